"""Making and ending links. Nothing is overwritten: an ended link keeps who ended it and when."""
from sqlalchemy import select

from server.common.errors import ApiError
from server.common.scoping import household_scope, member_scope, manages_unit
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.links.models import LeaderLink, Link
from server.members.models import Member

ALREADY_OTHER = "This household is already linked to another member. Send \"replace\": true to move it."
ALREADY_SAME = "This household is already linked to this member."


def _end(link, *, by_user_id: int, reason: str) -> None:
    link.ended_at = utcnow()
    link.ended_by_id = by_user_id
    link.end_reason = reason


def link_household(*, member: Member, household: Household, replace: bool, by_user_id: int) -> Link:
    """Link ``household`` to ``member``; a household linked elsewhere moves only with ``replace``."""
    if not member.is_active:
        raise ApiError(422, errors={"member_id": ["This member is inactive."]})
    current = db.session.scalar(select(Link).where(Link.household_id == household.id, Link.ended_at.is_(None)))
    if current is not None:
        if current.member_id == member.id:
            raise ApiError(409, ALREADY_SAME)
        if not replace:
            raise ApiError(409, ALREADY_OTHER)
        _end(current, by_user_id=by_user_id, reason="replaced")
        db.session.flush()  # the partial unique index must see the end before the new row
    link = Link(member_id=member.id, household_id=household.id, created_by_id=by_user_id, member=member)
    db.session.add(link)
    db.session.flush()
    return link


def end_link(*, link, by_user_id: int, reason: str = "ended") -> None:
    if link.ended_at is not None:
        raise ApiError(409, "This link has already ended.")
    _end(link, by_user_id=by_user_id, reason=reason)


def bulk_link(*, user, rows: list[dict]) -> dict:
    """All or nothing: every row is checked first; any bad row is a 422 naming it, nothing saved."""
    member_ids = {r["member_id"] for r in rows}
    household_ids = {r["household_id"] for r in rows}
    members = {m.id: m for m in db.session.scalars(
        select(Member).where(Member.id.in_(member_ids), member_scope(user)))}
    households = {h.id: h for h in db.session.scalars(select(Household).where(
        Household.id.in_(household_ids), Household.archived_at.is_(None), household_scope(user)))}
    current = {ln.household_id: ln for ln in db.session.scalars(
        select(Link).where(Link.household_id.in_(household_ids), Link.ended_at.is_(None)))}
    managed_units = {unit for unit in {m.org_unit_id for m in members.values()} |
                     {h.org_unit_id for h in households.values()} if manages_unit(user, unit)}

    errors: dict = {}
    seen: set[int] = set()
    for i, row in enumerate(rows):
        row_errors: dict = {}
        member = members.get(row["member_id"])
        household = households.get(row["household_id"])
        if member is None or member.org_unit_id not in managed_units:
            row_errors["member_id"] = ["Unknown member."]
        elif not member.is_active:
            row_errors["member_id"] = ["This member is inactive."]
        if household is None or household.org_unit_id not in managed_units:
            row_errors["household_id"] = ["Unknown household."]
        elif row["household_id"] in seen:
            row_errors["household_id"] = ["The same household appears more than once."]
        else:
            link = current.get(row["household_id"])
            if link is not None and link.member_id == row["member_id"]:
                row_errors["household_id"] = [ALREADY_SAME]
            elif link is not None and not row["replace"]:
                row_errors["household_id"] = [ALREADY_OTHER]
        seen.add(row["household_id"])
        if row_errors:
            errors[i] = row_errors
    if errors:
        raise ApiError(422, "Some rows are not valid; nothing was saved.", errors={"links": errors})

    created, replaced = [], 0
    for row in rows:
        old = current.get(row["household_id"])
        if old is not None:
            _end(old, by_user_id=user.id, reason="replaced")
            replaced += 1
    db.session.flush()
    for row in rows:
        link = Link(member_id=row["member_id"], household_id=row["household_id"], created_by_id=user.id,
                    member=members[row["member_id"]])
        db.session.add(link)
        created.append(link)
    db.session.flush()
    return {"created": len(created), "replaced": replaced, "items": created}


def link_leader(*, leader: Member, member: Member, replace: bool, by_user_id: int) -> LeaderLink:
    """Link ``member`` to a ``leader`` (党小组长/骨干); a member has one current leader."""
    if leader.id == member.id:
        raise ApiError(422, errors={"member_id": ["A member cannot be their own leader."]})
    if not leader.user.has_role("leader"):
        raise ApiError(422, errors={"leader_id": ["This member is not a leader."]})
    for field, m in (("leader_id", leader), ("member_id", member)):
        if not m.is_active:
            raise ApiError(422, errors={field: ["This member is inactive."]})
    current = db.session.scalar(select(LeaderLink).where(LeaderLink.member_id == member.id,
                                                         LeaderLink.ended_at.is_(None)))
    if current is not None:
        if current.leader_id == leader.id:
            raise ApiError(409, "This member is already linked to this leader.")
        if not replace:
            raise ApiError(409, "This member already has a leader. Send \"replace\": true to change it.")
        _end(current, by_user_id=by_user_id, reason="replaced")
        db.session.flush()
    link = LeaderLink(leader_id=leader.id, member_id=member.id, created_by_id=by_user_id)
    db.session.add(link)
    db.session.flush()
    return link
