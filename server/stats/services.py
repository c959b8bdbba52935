"""Dashboards: figures for any org unit's subtree and period, rolled up the tree, and the
vanguard index (先锋指数) of each member. Every figure is one aggregate query over the subtree."""
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, select

from server.auth.models import User
from server.common.sqlfunc import add_days, seconds_between, week_start
from server.common.errors import ApiError
from server.common.scoping import get_org_unit_or_404, manages_unit, subtree_ids
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import OrgClosure, OrgUnit
from server.requests.models import Request
from server.stats.models import VANGUARD_PARTS, VanguardWeight
from server.visits.models import Visit
from server.visits.services import period


def unit_and_period(user, args: dict) -> tuple[OrgUnit, datetime, datetime]:
    """The unit (``org_unit_id``, default the caller's own; 404 unless the caller manages it) and
    the period (default this month) a report is about."""
    unit_id = args.get("org_unit_id", user.org_unit_id)
    if unit_id is None or not manages_unit(user, unit_id):
        raise ApiError(404)
    return get_org_unit_or_404(user, unit_id), *period(args)


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def overview(*, unit: OrgUnit, start, end) -> dict:
    now = utcnow()
    under = subtree_ids(unit.id)
    live = and_(Household.org_unit_id.in_(under), Household.archived_at.is_(None))
    # correlated (one probe of the current-link index per household), not IN (every current link)
    linked = select(Link.id).where(Link.household_id == Household.id, Link.ended_at.is_(None)).exists()
    households, linked_n, overdue = db.session.execute(
        select(func.count(), func.sum(case((linked, 1), else_=0)),
               func.sum(case((Household.next_due_at < now, 1), else_=0))).where(live)).one()
    cap, lcap = current_app.config["MEMBER_CAPACITY"], current_app.config["LEADER_CAPACITY"]
    active = and_(Member.org_unit_id.in_(under), Member.is_active.is_(True))
    members = db.session.scalar(select(func.count()).select_from(Member).where(active))
    per_member = (select(Link.member_id).join(Member, Member.id == Link.member_id)
                  .where(Link.ended_at.is_(None), active).group_by(Link.member_id).having(func.count() > cap))
    per_leader = (select(LeaderLink.leader_id).join(Member, Member.id == LeaderLink.leader_id)
                  .where(LeaderLink.ended_at.is_(None), active).group_by(LeaderLink.leader_id)
                  .having(func.count() > lcap))
    visits = db.session.scalar(select(func.count()).select_from(Visit).join(Household)
                               .where(Household.org_unit_id.in_(under), Visit.visited_at.between(start, end)))
    in_unit = Request.org_unit_id.in_(under)
    created = and_(in_unit, Request.created_at.between(start, end))
    by_status = dict(db.session.execute(select(Request.status, func.count()).where(created).group_by(Request.status)).all())
    by_category = dict(db.session.execute(select(Request.category, func.count()).where(created)
                                          .group_by(Request.category)).all())
    replied, asked = db.session.execute(select(
        func.sum(case((and_(Request.first_response_at.is_not(None),
                            Request.first_response_at <= add_days(Request.created_at, 1)), 1), else_=0)),
        func.count()).where(created)).one()
    resolved = and_(in_unit, Request.resolved_at.between(start, end))
    on_time, resolved_n = db.session.execute(select(
        func.sum(case((Request.resolved_at <= Request.due_at, 1), else_=0)), func.count()).where(resolved)).one()
    rated = and_(in_unit, Request.rated_at.between(start, end))
    happy, rated_n = db.session.execute(select(func.sum(case((Request.rating >= 4, 1), else_=0)), func.count())
                                        .where(rated)).one()
    return {
        "org_unit_id": unit.id, "from": start, "to": end,
        "households": households, "linked_share": _share(linked_n or 0, households),
        "members": members,
        "members_over_capacity": db.session.scalar(select(func.count()).select_from(per_member.subquery())),
        "leaders_over_capacity": db.session.scalar(select(func.count()).select_from(per_leader.subquery())),
        "visits": visits, "households_overdue": overdue or 0,
        "requests_by_status": by_status, "requests_by_category": by_category,
        "resolved_on_time_share": _share(on_time or 0, resolved_n),
        "reply_share": _share(replied or 0, asked), "satisfaction_share": _share(happy or 0, rated_n),
        "median_hours_to_resolve": _median_hours(resolved, resolved_n),
        "visits_by_week": [{"week": w, "visits": n} for w, n in db.session.execute(
            select(week_start(Visit.visited_at).label("w"), func.count()).join(Household)
            .where(Household.org_unit_id.in_(under), Visit.visited_at.between(start, end))
            .group_by("w").order_by("w"))],
        "children": _children(unit, start, end, now),
    }


def _median_hours(where, n: int):
    if not n:
        return None
    took = seconds_between(Request.created_at, Request.resolved_at)
    middle = db.session.scalars(select(took).where(where).order_by(took).limit(2 - n % 2).offset((n - 1) // 2)).all()
    return round(sum(middle) / len(middle) / 3600, 1)


def _children(unit: OrgUnit, start, end, now) -> list[dict]:
    """The same core figures for each unit directly below (a community sums its grids)."""
    kids = db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.parent_id == unit.id)
                              .order_by(OrgUnit.id)).all()
    if not kids:
        return []
    ids = [k.id for k in kids]
    c = OrgClosure
    hh = dict((r[0], r[1:]) for r in db.session.execute(
        select(c.ancestor_id, func.count(), func.sum(case((Household.next_due_at < now, 1), else_=0)))
        .join(Household, Household.org_unit_id == c.descendant_id)
        .where(c.ancestor_id.in_(ids), Household.archived_at.is_(None)).group_by(c.ancestor_id)))
    vis = dict(db.session.execute(
        select(c.ancestor_id, func.count()).join(Household, Household.org_unit_id == c.descendant_id)
        .join(Visit, Visit.household_id == Household.id)
        .where(c.ancestor_id.in_(ids), Visit.visited_at.between(start, end)).group_by(c.ancestor_id)).all())
    res = dict((r[0], r[1:]) for r in db.session.execute(
        select(c.ancestor_id, func.sum(case((Request.resolved_at <= Request.due_at, 1), else_=0)), func.count())
        .join(Request, Request.org_unit_id == c.descendant_id)
        .where(c.ancestor_id.in_(ids), Request.resolved_at.between(start, end)).group_by(c.ancestor_id)))
    return [{"org_unit_id": k.id, "name": k.name, "households": hh.get(k.id, (0, 0))[0],
             "households_overdue": hh.get(k.id, (0, 0))[1] or 0, "visits": vis.get(k.id, 0),
             "resolved_on_time_share": _share(*(res.get(k.id, (0, 0))))} for k in kids]


def weights() -> dict:
    stored = {w.part: w.weight for w in db.session.scalars(select(VanguardWeight))}
    return {part: stored.get(part, default) for part, (default, *_names) in VANGUARD_PARTS.items()}


def member_stats(*, unit: OrgUnit, start, end) -> list[dict]:
    """Per member of the subtree: the parts of the vanguard index, the weighted score, ranked."""
    now = utcnow()
    under = subtree_ids(unit.id)
    members = db.session.execute(select(Member.id, Member.user_id, Member.org_unit_id)
                                 .where(Member.org_unit_id.in_(under), Member.is_active.is_(True))).all()
    ids = [m.id for m in members]
    if not ids:
        return []
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_([m.user_id for m in members]))).all())
    households = dict(db.session.execute(select(Link.member_id, func.count()).where(
        Link.member_id.in_(ids), Link.ended_at.is_(None)).group_by(Link.member_id)).all())
    overdue = dict(db.session.execute(select(Link.member_id, func.count()).join(Household).where(
        Link.member_id.in_(ids), Link.ended_at.is_(None), Household.archived_at.is_(None),
        Household.next_due_at < now).group_by(Link.member_id)).all())
    visits = {r[0]: r[1:] for r in db.session.execute(
        select(Visit.member_id, func.count(), func.sum(case((Visit.kind == "night", 1), else_=0)))
        .where(Visit.member_id.in_(ids), Visit.visited_at.between(start, end)).group_by(Visit.member_id))}
    errands = {r[0]: r[1:] for r in db.session.execute(
        select(Request.assignee_id, func.count(), func.sum(case((Request.resolved_at <= Request.due_at, 1), else_=0)),
               func.avg(Request.rating))
        .where(Request.assignee_id.in_(ids), Request.resolved_at.between(start, end)).group_by(Request.assignee_id))}
    w = weights()
    out = []
    for m in members:
        n_visits, n_night = visits.get(m.id, (0, 0))
        n_errands, n_on_time, avg_rating = errands.get(m.id, (0, 0, None))
        raw = {"visits": n_visits, "night_visits": n_night or 0, "errands": n_errands,
               "on_time": _share(n_on_time or 0, n_errands) or 0, "rating": float(avg_rating or 0),
               "overdue": overdue.get(m.id, 0)}
        parts = {k: round(w[k] * v, 2) for k, v in raw.items()}
        out.append({"member_id": m.id, "name": names.get(m.user_id), "org_unit_id": m.org_unit_id,
                    "households": households.get(m.id, 0), "visits": n_visits, "night_visits": raw["night_visits"],
                    "errands_resolved": n_errands, "on_time_share": _share(n_on_time or 0, n_errands),
                    "average_rating": round(float(avg_rating), 2) if avg_rating is not None else None,
                    "households_overdue": raw["overdue"], "vanguard_index": round(sum(parts.values()), 2),
                    "parts": parts})
    out.sort(key=lambda r: (-r["vanguard_index"], r["member_id"]))
    for rank, row in enumerate(out, start=1):
        row["rank"] = rank
    return out
