"""What each caller may see, as SQL conditions (never filters over rows in Python).

- admin, secretary: the subtree of their org unit (an admin with no unit: all);
- leader: the members linked to them (and themselves) and those members' households;
- member: themselves and their currently linked households;
- resident: their own household.
A user with several roles sees the union. Something outside scope is 404.
"""
from sqlalchemy import false, or_, select, true

from server.common.errors import not_found
from server.extensions import db
from server.households.models import Household
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import OrgClosure, OrgUnit


def subtree_ids(unit_id: int):
    """SELECT of the ids of ``unit_id`` and every unit below it (closure table, indexed)."""
    return select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == unit_id)


def ancestor_ids(unit_id: int):
    """SELECT of the ids of ``unit_id`` and every unit above it."""
    return select(OrgClosure.ancestor_id).where(OrgClosure.descendant_id == unit_id)


def _tree_scope(user, column):
    if not user.has_role("admin", "secretary"):
        return None
    if user.org_unit_id is None:
        return true() if user.has_role("admin") else None
    return column.in_(subtree_ids(user.org_unit_id))


def led_member_ids(leader_member_id: int):
    return select(LeaderLink.member_id).where(
        LeaderLink.leader_id == leader_member_id, LeaderLink.ended_at.is_(None))


def linked_household_ids(member_ids):
    """SELECT of households currently linked to ``member_ids`` (an id or a SELECT of ids)."""
    cond = Link.member_id.in_(member_ids) if not isinstance(member_ids, int) else Link.member_id == member_ids
    return select(Link.household_id).where(cond, Link.ended_at.is_(None))


def household_scope(user):
    conds = []
    tree = _tree_scope(user, Household.org_unit_id)
    if tree is not None:
        conds.append(tree)
    mid = user.member_id
    if mid is not None and user.has_role("leader"):
        conds.append(Household.id.in_(linked_household_ids(led_member_ids(mid))))
    if mid is not None and user.has_role("member", "leader"):
        conds.append(Household.id.in_(linked_household_ids(mid)))
    if user.has_role("resident") and user.household_id is not None:
        conds.append(Household.id == user.household_id)
    return or_(*conds) if conds else false()


def member_scope(user):
    conds = []
    tree = _tree_scope(user, Member.org_unit_id)
    if tree is not None:
        conds.append(tree)
    mid = user.member_id
    if mid is not None and user.has_role("leader"):
        conds.append(Member.id.in_(led_member_ids(mid)))
    if mid is not None:
        conds.append(Member.id == mid)
    return or_(*conds) if conds else false()


def org_unit_scope(user):
    """Admins and secretaries see their subtree; everyone sees the units above their own."""
    conds = []
    tree = _tree_scope(user, OrgUnit.id)
    if tree is not None:
        conds.append(tree)
    own = user.org_unit_id
    if own is None and user.member is not None:
        own = user.member.org_unit_id
    if own is None and user.household_id is not None:
        own = db.session.scalar(select(Household.org_unit_id).where(Household.id == user.household_id))
    if own is not None:
        conds.append(OrgUnit.id.in_(ancestor_ids(own)))
    return or_(*conds) if conds else false()


def get_household_or_404(user, household_id: int) -> Household:
    """Load a household the caller may see, or raise 404 (also when it exists but is out of scope)."""
    hh = db.session.scalar(select(Household).where(
        Household.id == household_id, Household.archived_at.is_(None), household_scope(user)))
    if hh is None:
        raise not_found()
    return hh


def get_member_or_404(user, member_id: int) -> Member:
    m = db.session.scalar(select(Member).where(Member.id == member_id, member_scope(user)))
    if m is None:
        raise not_found()
    return m


def get_org_unit_or_404(user, unit_id: int) -> OrgUnit:
    u = db.session.scalar(select(OrgUnit).where(OrgUnit.id == unit_id, org_unit_scope(user)))
    if u is None:
        raise not_found()
    return u


def manages_unit(user, unit_id: int) -> bool:
    """True when ``unit_id`` is in the caller's admin/secretary subtree."""
    tree = _tree_scope(user, OrgUnit.id)
    if tree is None:
        return False
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.id == unit_id, tree)) is not None


def request_scope(user):
    """Requests the caller may see: by the household's place in the tree, the assignee, the
    department it is escalated to, or the resident's own household."""
    from server.requests.models import Request

    conds = []
    tree = _tree_scope(user, Request.org_unit_id)
    if tree is not None:
        conds.append(tree)
    mid = user.member_id
    if mid is not None and user.has_role("leader"):
        led = led_member_ids(mid)
        conds.append(Request.assignee_id.in_(led))
        conds.append(Request.household_id.in_(linked_household_ids(led)))
    if mid is not None:
        conds.append(Request.assignee_id == mid)
        conds.append(Request.household_id.in_(linked_household_ids(mid)))
    if user.has_role("department") and user.department_id is not None:
        conds.append(Request.department_id == user.department_id)
    if user.has_role("resident") and user.household_id is not None:
        conds.append(Request.household_id == user.household_id)
    return or_(*conds) if conds else false()
