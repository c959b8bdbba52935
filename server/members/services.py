"""Members: accounts, leader flag, deactivation, and counts used by the lists."""
from flask import current_app
from sqlalchemy import func, select

from server.auth import services as auth_services
from server.auth.models import UserRole
from server.common.errors import field_error
from server.common.types import utcnow
from server.extensions import db
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import OrgUnit

MEMBER_LEVELS = ("community", "grid", "microgrid")


def household_count_expr():
    """Correlated count of a member's current households (indexed per member)."""
    return (select(func.count()).select_from(Link)
            .where(Link.member_id == Member.id, Link.ended_at.is_(None))
            .correlate(Member).scalar_subquery())


def visit_count_expr(start, end):
    """Correlated count of a member's visits in [start, end]."""
    from server.visits.models import Visit
    return (select(func.count()).select_from(Visit)
            .where(Visit.member_id == Member.id, Visit.visited_at >= start, Visit.visited_at <= end)
            .correlate(Member).scalar_subquery())


def overdue_count_expr(now):
    """Correlated count of a member's current households past their next visit date."""
    from server.households.models import Household
    return (select(func.count()).select_from(Link).join(Household, Household.id == Link.household_id)
            .where(Link.member_id == Member.id, Link.ended_at.is_(None), Household.archived_at.is_(None),
                   Household.next_due_at < now)
            .correlate(Member).scalar_subquery())


def led_count_expr():
    return (select(func.count()).select_from(LeaderLink)
            .where(LeaderLink.leader_id == Member.id, LeaderLink.ended_at.is_(None))
            .correlate(Member).scalar_subquery())


def check_member_unit(unit_id: int) -> None:
    level = db.session.scalar(select(OrgUnit.level).where(OrgUnit.id == unit_id))
    if level not in MEMBER_LEVELS:
        raise field_error("org_unit_id", "Members belong to a grid or micro-grid.")


def create_member(*, username: str, name: str, phone: str | None, org_unit_id: int, is_leader: bool,
                  is_central_household: bool, joined_party_on=None) -> tuple[Member, str | None]:
    """A member and their account (initial password, changed at first login)."""
    check_member_unit(org_unit_id)
    roles = ["member"] + (["leader"] if is_leader else [])
    user, initial = auth_services.create_user(username=username, name=name, phone=phone, roles=roles,
                                              org_unit_id=org_unit_id)
    member = Member(user=user, org_unit_id=org_unit_id, is_central_household=is_central_household,
                    joined_party_on=joined_party_on)
    db.session.add(member)
    db.session.flush()
    return member, initial


def update_member(*, member: Member, by_user_id: int, **changes) -> Member:
    user = member.user
    for key in ("name", "phone"):
        if key in changes:
            setattr(user, key, changes.pop(key))
    if "org_unit_id" in changes:
        check_member_unit(changes["org_unit_id"])
        user.org_unit_id = changes["org_unit_id"]
    if "is_leader" in changes:
        set_leader(member=member, is_leader=changes.pop("is_leader"), by_user_id=by_user_id)
    if changes.get("is_active") is False and member.is_active:
        deactivate(member=member, by_user_id=by_user_id)
    elif changes.get("is_active") is True:
        user.is_active = True
    for key, value in changes.items():
        setattr(member, key, value)
    return member


def set_leader(*, member: Member, is_leader: bool, by_user_id: int) -> None:
    user = member.user
    has = user.has_role("leader")
    if is_leader and not has:
        user.role_rows.append(UserRole(role="leader"))
    elif not is_leader and has:
        user.role_rows = [r for r in user.role_rows if r.role != "leader"]
        _end(LeaderLink, LeaderLink.leader_id == member.id, by_user_id, "leader role removed")


def deactivate(*, member: Member, by_user_id: int) -> None:
    """A member who leaves: their account stops, their links end (kept in history)."""
    member.is_active = False
    member.user.is_active = False
    _end(Link, Link.member_id == member.id, by_user_id, "member deactivated")
    _end(LeaderLink, (LeaderLink.member_id == member.id) | (LeaderLink.leader_id == member.id),
         by_user_id, "member deactivated")


def _end(model, cond, by_user_id: int, reason: str) -> None:
    db.session.execute(model.__table__.update().where(cond, model.ended_at.is_(None))
                       .values(ended_at=utcnow(), ended_by_id=by_user_id, end_reason=reason))


def capacity() -> int:
    return current_app.config["MEMBER_CAPACITY"]
