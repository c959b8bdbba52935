"""The organisation tree: creating units keeps the closure table in step."""
from sqlalchemy import func, insert, literal, select

from server.common.errors import ApiError, field_error
from server.extensions import db
from server.households.models import Household
from server.members.models import Member
from server.org.models import LEVELS, LEVEL_NAMES, Department, OrgClosure, OrgUnit


def child_level_ok(parent_level: str | None, level: str) -> bool:
    """A unit sits directly below the level above it (a community under a street …)."""
    if parent_level is None:
        return level in ("county", "street")
    return LEVELS.index(level) == LEVELS.index(parent_level) + 1


def create_unit(*, name: str, level: str, parent: OrgUnit | None) -> OrgUnit:
    """Add a unit under ``parent`` (None: a new root) and its closure rows."""
    if not child_level_ok(parent.level if parent else None, level):
        parent_level = parent.level if parent else "county"
        raise field_error("level", "A {child} cannot be placed under a {parent}.",
                          child=LEVEL_NAMES[level][0], parent=LEVEL_NAMES[parent_level][0])
    unit = OrgUnit(name=name.strip(), level=level, parent_id=parent.id if parent else None,
                   depth=(parent.depth + 1) if parent else 0)
    db.session.add(unit)
    db.session.flush()
    db.session.add(OrgClosure(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    if parent is not None:
        db.session.execute(insert(OrgClosure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(OrgClosure.ancestor_id, literal(unit.id), OrgClosure.depth + 1)
            .where(OrgClosure.descendant_id == parent.id),
        ))
    return unit


def delete_unit(*, unit: OrgUnit) -> None:
    """Delete an empty unit (no child units, members, households or departments)."""
    in_use = (
        db.session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.parent_id == unit.id))
        or db.session.scalar(select(func.count()).select_from(Member).where(Member.org_unit_id == unit.id))
        or db.session.scalar(select(func.count()).select_from(Household).where(Household.org_unit_id == unit.id))
        or db.session.scalar(select(func.count()).select_from(Department).where(Department.org_unit_id == unit.id))
    )
    if in_use:
        raise ApiError(409, "This unit still has units, members or households under it.")
    db.session.execute(OrgClosure.__table__.delete().where(OrgClosure.descendant_id == unit.id))
    db.session.delete(unit)
