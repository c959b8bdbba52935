"""Daily rollups of visits and requests for the big units (county, street, community).

A county's month is a quarter of a million visits: counting them per dashboard read takes seconds.
Instead, each China-time day has one row per big unit (and per bag and status for requests),
recomputed from the rows themselves whenever that day changes:

- every write that changes a day's figures marks the day dirty (``touch``, same transaction);
- a dashboard reading a big unit first recomputes the dirty days (``refresh``), as does the worker,
  so the figures are always those of the rows, never stale;
- ``rebuild`` recomputes every day (after a bulk load; ``flask stats rebuild``).

Grids and micro-grids are small enough to count live.
"""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case, delete, func, insert, literal, select, union_all

from server.common.sqlfunc import add_days, local_day
from server.extensions import db
from server.households.models import Household
from server.org.models import OrgClosure, OrgUnit
from server.requests.models import Request
from server.stats.models import StatsDirtyDay, StatsRequestDay, StatsVisitDay
from server.visits.models import Visit
from server.visits.schemas import LOCAL_TZ

ROLLUP_LEVELS = ("county", "street", "community")
UNTIL_NOW = timedelta(seconds=5)  # a period ending this close to now ends now


def day_of(ts: datetime) -> str:
    return ts.astimezone(LOCAL_TZ).strftime("%Y-%m-%d")


def day_start(day: str) -> datetime:
    """The UTC instant a China-time day begins."""
    return datetime.combine(date.fromisoformat(day), time(), LOCAL_TZ).astimezone(timezone.utc)


def touch(*timestamps) -> None:
    """Mark the days of these instants dirty (in the caller's transaction).

    An upsert that *updates* a day already marked, rather than leaving it be: the update takes
    the row's lock, so a refresh claiming the day waits for this transaction to commit and then
    sees its rows (a do-nothing insert would let the refresh recompute without them and clear
    the mark). The price on PostgreSQL: writes to the same day queue on that row for the rest of
    their (short) transactions."""
    days = sorted({day_of(t) for t in timestamps if t is not None})
    if not days:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    stmt = upsert(StatsDirtyDay).values([{"day": d, "changes": 1} for d in days])
    db.session.execute(stmt.on_conflict_do_update(index_elements=["day"],
                                                  set_={"changes": StatsDirtyDay.changes + 1}))


def _recompute(days: list[str] | None) -> None:
    """Delete and recompute the rollup rows of ``days`` (None: every day)."""
    c = OrgClosure
    # through a join to each ancestor's row, not "ancestor IN (the big units)": that list would be
    # probed once per micro-grid and big unit
    big = OrgUnit.level.in_(ROLLUP_LEVELS)

    def within(column):
        if days is None:
            return column.is_not(None)
        lo, hi = day_start(min(days)), day_start(max(days)) + timedelta(days=1)
        return and_(column >= lo, column < hi, local_day(column).in_(days))

    for model in (StatsVisitDay, StatsRequestDay):
        db.session.execute(delete(model).where(model.day.in_(days)) if days is not None else delete(model))

    # Counted per micro-grid first (the day's rows found through their time index), then summed up
    # the closure table: joined the other way round, the planner walks every household of the county.
    vday = local_day(Visit.visited_at)
    per_unit = (select(Household.org_unit_id.label("unit"), vday.label("day"), func.count().label("n"),
                       func.sum(case((Visit.kind == "night", 1), else_=0)).label("night"))
                .select_from(Visit).join(Household, Household.id == Visit.household_id)
                .where(within(Visit.visited_at)).group_by(Household.org_unit_id, vday).subquery())
    db.session.execute(insert(StatsVisitDay).from_select(
        ["org_unit_id", "day", "visits", "night_visits"],
        select(c.ancestor_id, per_unit.c.day, func.sum(per_unit.c.n), func.sum(per_unit.c.night))
        .join(c, c.descendant_id == per_unit.c.unit).join(OrgUnit, OrgUnit.id == c.ancestor_id).where(big)
        .group_by(c.ancestor_id, per_unit.c.day)))

    figures = ("created", "replied", "resolved", "on_time", "rated", "happy")

    def part(column, **counted):
        day = local_day(column)
        return (select(Request.org_unit_id.label("unit"), day.label("day"), Request.category.label("category"),
                       Request.status.label("status"),
                       *(func.sum(counted.get(f, literal(0))).label(f) for f in figures))
                .where(within(column)).group_by(Request.org_unit_id, day, Request.category, Request.status))

    one = literal(1)
    replied = case((and_(Request.first_response_at.is_not(None),
                         Request.first_response_at <= add_days(Request.created_at, 1)), 1), else_=0)
    parts = union_all(
        part(Request.created_at, created=one, replied=replied),
        part(Request.resolved_at, resolved=one, on_time=case((Request.resolved_at <= Request.due_at, 1), else_=0)),
        part(Request.rated_at, rated=one, happy=case((Request.rating >= 4, 1), else_=0)),
    ).subquery()
    db.session.execute(insert(StatsRequestDay).from_select(
        ["org_unit_id", "day", "category", "status", *figures],
        select(c.ancestor_id, parts.c.day, parts.c.category, parts.c.status,
               *(func.sum(parts.c[f]) for f in figures))
        .join(c, c.descendant_id == parts.c.unit).join(OrgUnit, OrgUnit.id == c.ancestor_id).where(big)
        .group_by(c.ancestor_id, parts.c.day, parts.c.category, parts.c.status)))


def refresh() -> int:
    """Recompute the dirty days; returns how many. Claiming them with DELETE … RETURNING means two
    dashboards (or a dashboard and the worker) never recompute the same day at once."""
    days = sorted(db.session.scalars(delete(StatsDirtyDay).returning(StatsDirtyDay.day)).all())
    for i in range(0, len(days), 31):  # a month at a time keeps each statement's IN list short
        _recompute(days[i:i + 31])
    return len(days)


def rebuild() -> None:
    """Recompute every day (after a bulk load)."""
    db.session.execute(delete(StatsDirtyDay))
    _recompute(None)


def covers(unit: OrgUnit, start: datetime, end: datetime, now: datetime) -> bool:
    """Whether whole days answer for this unit and period: a big unit, a period from a China-time
    midnight to a midnight, or to now (the default ``to``, taken a moment before ``now``) or later:
    there are no later rows."""
    if unit.level not in ROLLUP_LEVELS:
        return False
    midnight = lambda ts: ts.astimezone(LOCAL_TZ).time() == time()  # noqa: E731
    end_ok = end >= now - UNTIL_NOW or midnight(end) or midnight(end + timedelta(microseconds=1))
    return midnight(start) and end_ok


def days_between(start: datetime, end: datetime) -> tuple[str, str]:
    """The first and last China-time day of a period (an end at midnight does not take the new day)."""
    last = end if not (end.astimezone(LOCAL_TZ).time() == time() and end > start) else end - timedelta(microseconds=1)
    return day_of(start), day_of(last)


def visit_figures(unit_ids: list[int], first: str, last: str) -> dict:
    """Visits per unit, and per China-time week (Monday) of the first unit."""
    per_unit = dict(db.session.execute(
        select(StatsVisitDay.org_unit_id, func.sum(StatsVisitDay.visits))
        .where(StatsVisitDay.org_unit_id.in_(unit_ids), StatsVisitDay.day.between(first, last))
        .group_by(StatsVisitDay.org_unit_id)).all())
    weeks: dict[str, int] = {}
    for day, n in db.session.execute(select(StatsVisitDay.day, StatsVisitDay.visits).where(
            StatsVisitDay.org_unit_id == unit_ids[0], StatsVisitDay.day.between(first, last))):
        d = date.fromisoformat(day)
        monday = (d - timedelta(days=d.weekday())).isoformat()
        weeks[monday] = weeks.get(monday, 0) + n
    return {"per_unit": per_unit, "weeks": sorted(weeks.items())}


def request_rows(unit_ids: list[int], first: str, last: str):
    """(unit, category, status, created, replied, resolved, on_time, rated, happy) summed over the days."""
    r = StatsRequestDay
    return db.session.execute(
        select(r.org_unit_id, r.category, r.status, func.sum(r.created), func.sum(r.replied), func.sum(r.resolved),
               func.sum(r.on_time), func.sum(r.rated), func.sum(r.happy))
        .where(r.org_unit_id.in_(unit_ids), r.day.between(first, last))
        .group_by(r.org_unit_id, r.category, r.status)).all()
