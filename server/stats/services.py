"""Dashboards: figures for any org unit's subtree and period, rolled up the tree, and the
vanguard index (先锋指数) of each member. Each figure is an aggregate query: over the rows for
grids and micro-grids, over the daily rollups (server.stats.rollup) for the period of a big unit."""
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, select, true

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
from server.stats import rollup
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


def _tree_filter(unit: OrgUnit):
    """A function making "this org unit id column is in ``unit``'s subtree"; no condition at all for
    the one root of the tree, whose subtree is every row (an IN over every unit would only slow the
    query down)."""
    if unit.parent_id is None and db.session.scalar(
            select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id.is_(None))) == 1:
        return lambda column: true()
    return lambda column: column.in_(subtree_ids(unit.id))


def overview(*, unit: OrgUnit, start, end) -> dict:
    """Figures for ``unit``'s subtree and the period [start, end], with the same for each child unit.

    Households are counted live (one pass over a covering index). The period's visits and requests
    come from the daily rollups for big units over whole days, else straight from the rows."""
    now = utcnow()
    kids = db.session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.level).where(OrgUnit.parent_id == unit.id)
                              .order_by(OrgUnit.id)).all()
    kid_ids = [k.id for k in kids]
    in_tree = _tree_filter(unit)
    hh = _households(unit, in_tree, kid_ids, now)
    cap, lcap = current_app.config["MEMBER_CAPACITY"], current_app.config["LEADER_CAPACITY"]
    active = and_(in_tree(Member.org_unit_id), Member.is_active.is_(True))
    members = db.session.scalar(select(func.count()).select_from(Member).where(active))
    per_member = (select(Link.member_id).join(Member, Member.id == Link.member_id)
                  .where(Link.ended_at.is_(None), active).group_by(Link.member_id).having(func.count() > cap))
    per_leader = (select(LeaderLink.leader_id).join(Member, Member.id == LeaderLink.leader_id)
                  .where(LeaderLink.ended_at.is_(None), active).group_by(LeaderLink.leader_id)
                  .having(func.count() > lcap))
    if rollup.covers(unit, start, end, now):
        rollup.refresh()
        first, last = rollup.days_between(start, end)
        p = _period_from_rollup(unit, [k.id for k in kids if k.level in rollup.ROLLUP_LEVELS], first, last)
    else:
        p = _period_live(in_tree, start, end)
    small_kids = [k for k in kid_ids if k not in p["kids"]]  # children without rollups of their own
    if small_kids:
        p["kids"] |= _kids_live(small_kids, start, end)
    resolved = and_(in_tree(Request.org_unit_id), Request.resolved_at.between(start, end))
    return {
        "org_unit_id": unit.id, "from": start, "to": end,
        "households": hh["households"], "linked_share": _share(hh["linked"], hh["households"]),
        "members": members,
        "members_over_capacity": db.session.scalar(select(func.count()).select_from(per_member.subquery())),
        "leaders_over_capacity": db.session.scalar(select(func.count()).select_from(per_leader.subquery())),
        "visits": p["visits"], "households_overdue": hh["overdue"],
        "requests_by_status": p["by_status"], "requests_by_category": p["by_category"],
        "resolved_on_time_share": _share(p["on_time"], p["resolved"]),
        "reply_share": _share(p["replied"], p["asked"]), "satisfaction_share": _share(p["happy"], p["rated"]),
        "median_hours_to_resolve": _median_hours(resolved, p["resolved"]),
        "visits_by_week": [{"week": w, "visits": n} for w, n in p["weeks"]],
        "children": [{"org_unit_id": k.id, "name": k.name, "households": hh["kids"].get(k.id, (0, 0))[0],
                      "households_overdue": hh["kids"].get(k.id, (0, 0))[1],
                      "visits": p["kids"].get(k.id, (0, 0, 0))[0],
                      "resolved_on_time_share": _share(*p["kids"].get(k.id, (0, 0, 0))[1:])} for k in kids],
    }


def _households(unit: OrgUnit, in_tree, kid_ids: list[int], now) -> dict:
    """Live and overdue households of each child unit (one pass over a covering index, summed in
    SQL through the closure table), the unit's own on top, and how many are linked to a member."""
    live = (func.count(), func.sum(case((Household.next_due_at < now, 1), else_=0)))
    c = OrgClosure
    kids = {k: (n, overdue or 0) for k, n, overdue in db.session.execute(
        select(c.ancestor_id, *live).join(Household, Household.org_unit_id == c.descendant_id)
        .where(c.ancestor_id.in_(kid_ids), Household.archived_at.is_(None)).group_by(c.ancestor_id))} if kid_ids else {}
    n, overdue = db.session.execute(select(*live).where(Household.org_unit_id == unit.id,
                                                        Household.archived_at.is_(None))).one()
    linked = db.session.scalar(
        select(func.count()).select_from(Link).join(Household, Household.id == Link.household_id)
        .where(Link.ended_at.is_(None), Household.archived_at.is_(None), in_tree(Household.org_unit_id)))
    return {"households": n + sum(k[0] for k in kids.values()),
            "overdue": (overdue or 0) + sum(k[1] for k in kids.values()), "linked": linked or 0, "kids": kids}


def _period_live(in_tree, start, end) -> dict:
    """The period's visit and request figures counted from the rows."""
    in_unit = in_tree(Request.org_unit_id)
    visits_in = and_(in_tree(Household.org_unit_id), Visit.visited_at.between(start, end))
    created = and_(in_unit, Request.created_at.between(start, end))
    by_status = dict(db.session.execute(select(Request.status, func.count()).where(created)
                                        .group_by(Request.status)).all())
    by_category = dict(db.session.execute(select(Request.category, func.count()).where(created)
                                          .group_by(Request.category)).all())
    replied, asked = db.session.execute(select(
        func.sum(case((and_(Request.first_response_at.is_not(None),
                            Request.first_response_at <= add_days(Request.created_at, 1)), 1), else_=0)),
        func.count()).where(created)).one()
    on_time, resolved_n = db.session.execute(select(
        func.sum(case((Request.resolved_at <= Request.due_at, 1), else_=0)), func.count())
        .where(in_unit, Request.resolved_at.between(start, end))).one()
    happy, rated_n = db.session.execute(select(func.sum(case((Request.rating >= 4, 1), else_=0)), func.count())
                                        .where(in_unit, Request.rated_at.between(start, end))).one()
    return {"visits": db.session.scalar(select(func.count()).select_from(Visit).join(Household).where(visits_in)),
            "weeks": [tuple(r) for r in db.session.execute(
                select(week_start(Visit.visited_at).label("w"), func.count()).join(Household)
                .where(visits_in).group_by("w").order_by("w"))],
            "by_status": by_status, "by_category": by_category, "replied": replied or 0, "asked": asked,
            "on_time": on_time or 0, "resolved": resolved_n, "happy": happy or 0, "rated": rated_n, "kids": {}}


def _period_from_rollup(unit: OrgUnit, big_kid_ids: list[int], first: str, last: str) -> dict:
    """The same figures from the daily rollups (whole days ``first``..``last``), for the unit and
    for those of its children that have rollups of their own."""
    ids = [unit.id] + big_kid_ids
    v = rollup.visit_figures(ids, first, last)
    own = {"visits": v["per_unit"].get(unit.id, 0), "weeks": v["weeks"], "by_status": {}, "by_category": {},
           "replied": 0, "asked": 0, "on_time": 0, "resolved": 0, "happy": 0, "rated": 0}
    kids = {k: [v["per_unit"].get(k, 0), 0, 0] for k in big_kid_ids}
    for uid, category, status, created, replied, resolved, on_time, rated, happy in rollup.request_rows(
            ids, first, last):
        if uid != unit.id:
            kids[uid][1] += on_time
            kids[uid][2] += resolved
            continue
        if created:
            own["by_status"][status] = own["by_status"].get(status, 0) + created
            own["by_category"][category] = own["by_category"].get(category, 0) + created
        own["asked"] += created
        own["replied"] += replied
        own["resolved"] += resolved
        own["on_time"] += on_time
        own["rated"] += rated
        own["happy"] += happy
    own["kids"] = {k: tuple(v) for k, v in kids.items()}
    return own


def _median_hours(where, n: int):
    if not n:
        return None
    took = seconds_between(Request.created_at, Request.resolved_at)
    middle = db.session.scalars(select(took).where(where).order_by(took).limit(2 - n % 2).offset((n - 1) // 2)).all()
    return round(sum(middle) / len(middle) / 3600, 1)


def _kids_live(kid_ids: list[int], start, end) -> dict[int, tuple]:
    """Visits, and (on time, resolved) requests, of each small child unit, counted from the rows."""
    c = OrgClosure
    vis = dict(db.session.execute(
        select(c.ancestor_id, func.count()).join(Household, Household.org_unit_id == c.descendant_id)
        .join(Visit, Visit.household_id == Household.id)
        .where(c.ancestor_id.in_(kid_ids), Visit.visited_at.between(start, end)).group_by(c.ancestor_id)).all())
    res = {r[0]: r[1:] for r in db.session.execute(
        select(c.ancestor_id, func.sum(case((Request.resolved_at <= Request.due_at, 1), else_=0)), func.count())
        .join(Request, Request.org_unit_id == c.descendant_id)
        .where(c.ancestor_id.in_(kid_ids), Request.resolved_at.between(start, end)).group_by(c.ancestor_id))}
    return {k: (vis.get(k, 0), (res.get(k) or (0, 0))[0] or 0, (res.get(k) or (0, 0))[1]) for k in kid_ids}


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
