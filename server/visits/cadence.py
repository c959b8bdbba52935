"""Visit cadence: when each household is next due, computed in SQL.

``next_due_at = (last visit, or when the household was registered) + interval``,
where the interval is the strictest (smallest) policy among the household's
tags, else the ``default`` policy. One UPDATE recomputes any set of households
— one, a micro-grid, or the whole county — without loading rows into Python.
"""
from sqlalchemy import func, select, update

from server.common.sqlfunc import add_days
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.visits.models import DEFAULT_INTERVAL_DAYS, DEFAULT_POLICY, Visit, VisitPolicy


def interval_days_expr():
    """Correlated SQL: a household's visit interval in days."""
    strictest_tag = (select(func.min(VisitPolicy.interval_days))
                     .select_from(HouseholdTag)
                     .join(VisitPolicy, VisitPolicy.tag == HouseholdTag.tag)
                     .where(HouseholdTag.household_id == Household.id)
                     .scalar_subquery())
    default = select(VisitPolicy.interval_days).where(VisitPolicy.tag == DEFAULT_POLICY).scalar_subquery()
    return func.coalesce(strictest_tag, default, DEFAULT_INTERVAL_DAYS)


def refresh_due(*, where=None, last_visit: bool = False) -> None:
    """Recompute ``next_due_at`` (and, with ``last_visit``, ``last_visit_at``) for households matching ``where``."""
    anchor = Household.last_visit_at
    values = {}
    if last_visit:
        anchor = (select(func.max(Visit.visited_at)).where(Visit.household_id == Household.id)
                  .scalar_subquery())
        values["last_visit_at"] = anchor
    values["next_due_at"] = add_days(func.coalesce(anchor, Household.created_at), interval_days_expr())
    stmt = update(Household).values(**values)
    if where is not None:
        stmt = stmt.where(where)
    db.session.execute(stmt, execution_options={"synchronize_session": False})


def overdue_expr(now):
    return Household.next_due_at < now


def days_overdue(next_due_at, now) -> int:
    """Whole days a household is past due (0 when not overdue)."""
    if next_due_at is None or next_due_at >= now:
        return 0
    return (now - next_due_at).days
