"""Households: card codes, tags, archiving, and the list rows with their linked member."""
import secrets
from functools import lru_cache

import segno

from sqlalchemy import and_, bindparam, select

from server.auth.models import User, UserRole
from server.common.errors import ApiError, field_error
from server.common.sqlfunc import string_agg
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.links.models import Link
from server.members.models import Member
from server.org.models import OrgClosure, OrgUnit
from server.stats import rollup
from server.visits.cadence import days_overdue, refresh_due
from server.visits.models import Visit

# Crockford base32 without I, L, O, U: no letters that read as digits on a printed card.
CARD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CARD_LENGTH = 12  # 60 random bits


def new_card_code() -> str:
    return "".join(secrets.choice(CARD_ALPHABET) for _ in range(CARD_LENGTH))


def check_household_unit(unit_id: int) -> None:
    level = db.session.scalar(select(OrgUnit.level).where(OrgUnit.id == unit_id))
    if level != "microgrid":
        raise field_error("org_unit_id", "Households belong to a micro-grid.")


def _check_number_free(org_unit_id: int, number: str, exclude_id: int | None = None) -> None:
    stmt = select(Household.id).where(Household.org_unit_id == org_unit_id, Household.number == number)
    if exclude_id is not None:
        stmt = stmt.where(Household.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ApiError(409, "This household number is already used in this micro-grid.",
                       errors={"number": ["This household number is already used in this micro-grid."]})


def check_card_code(code: str) -> str:
    """A given card code (cards printed elsewhere): our alphabet and length, and not in use."""
    from server.auth.services import normalize_card_code

    code = normalize_card_code(code)
    if len(code) != CARD_LENGTH or any(ch not in CARD_ALPHABET for ch in code):
        raise field_error("card_code", "This card code is not valid.")
    if db.session.scalar(select(Household.id).where(Household.card_code == code)) is not None:
        raise ApiError(409, "This card code is already in use.",
                       errors={"card_code": ["This card code is already in use."]})
    return code


def create_household(*, org_unit_id: int, number: str, address: str, head_name: str, phone: str | None,
                     size: int, tags: list[str], note: str | None, card_code: str | None = None) -> Household:
    check_household_unit(org_unit_id)
    _check_number_free(org_unit_id, number)
    code = check_card_code(card_code) if card_code else new_card_code()
    hh = Household(org_unit_id=org_unit_id, number=number.strip(), address=address.strip(),
                   head_name=head_name.strip(), phone=phone, size=size, note=note, card_code=code,
                   tag_rows=[HouseholdTag(tag=t) for t in sorted(set(tags))])
    db.session.add(hh)
    db.session.flush()
    refresh_due(where=Household.id == hh.id)
    return hh


def update_household(*, household: Household, **changes) -> Household:
    if "org_unit_id" in changes:
        check_household_unit(changes["org_unit_id"])
    if "org_unit_id" in changes or "number" in changes:
        _check_number_free(changes.get("org_unit_id", household.org_unit_id),
                           changes.get("number", household.number), household.id)
    tags_changed = "tags" in changes
    if tags_changed:
        wanted = set(changes.pop("tags"))
        household.tag_rows = [t for t in household.tag_rows if t.tag in wanted] + [
            HouseholdTag(tag=t) for t in sorted(wanted - set(household.tags))]
    if changes.get("org_unit_id", household.org_unit_id) != household.org_unit_id:
        # its visits now count under another unit: every day it was visited changes
        rollup.touch(*db.session.scalars(select(Visit.visited_at).where(Visit.household_id == household.id)))
    for key, value in changes.items():
        setattr(household, key, value.strip() if isinstance(value, str) and key != "note" else value)
    household.updated_at = utcnow()
    if tags_changed:  # the strictest tag sets the cadence
        db.session.flush()
        refresh_due(where=Household.id == household.id)
        db.session.refresh(household)
    return household


def archive_household(*, household: Household, by_user_id: int) -> None:
    """Households are archived, not deleted: their visits and requests stay readable."""
    household.archived_at = utcnow()
    db.session.execute(Link.__table__.update().where(Link.household_id == household.id, Link.ended_at.is_(None))
                       .values(ended_at=utcnow(), ended_by_id=by_user_id, end_reason="household archived"))


def rotate_card_code(*, household: Household) -> str:
    """A new card code; the old one stops working (already bound residents stay bound)."""
    household.card_code = new_card_code()
    return household.card_code


def list_rows(stmt):
    """``stmt`` selects Household; add the current linked member's id, name and phone."""
    return (stmt.add_columns(Link.id.label("link_id"), Member.id.label("member_id"),
                             User.name.label("member_name"), User.phone.label("member_phone"))
            .outerjoin(Link, and_(Link.household_id == Household.id, Link.ended_at.is_(None)))
            .outerjoin(Member, Member.id == Link.member_id)
            .outerjoin(User, User.id == Member.user_id))


def due_state(next_due_at, now) -> dict:
    """Presentation of the stored due date: ``overdue`` and whole ``days_overdue``."""
    return {"overdue": next_due_at is not None and next_due_at < now,
            "days_overdue": days_overdue(next_due_at, now)}


def mark_due(hh: Household, now) -> Household:
    for key, value in due_state(hh.next_due_at, now).items():
        setattr(hh, key, value)
    return hh


def shape_rows(rows) -> list[Household]:
    """Turn ``list_rows`` results into households carrying ``member`` and visit fields."""
    now = utcnow()
    out = []
    for hh, link_id, member_id, name, phone in rows:
        hh.link_id = link_id
        hh.member = {"id": member_id, "name": name, "phone": phone} if member_id else None
        out.append(mark_due(hh, now))
    return out


_MINE_COLUMNS = (Household.id, Household.org_unit_id, Household.number, Household.address, Household.head_name,
                 Household.phone, Household.size, Household.last_visit_at, Household.next_due_at)


@lru_cache(maxsize=1)
def _mine_statement():
    """Built once: constructing and cache-keying the statement cost as much as running it."""
    tags = (select(string_agg(HouseholdTag.tag)).where(HouseholdTag.household_id == Household.id)
            .scalar_subquery())
    return (select(*_MINE_COLUMNS, Link.id.label("link_id"), tags.label("tags"))
            .join(Link, Link.household_id == Household.id)
            .where(Link.member_id == bindparam("member_id"), Link.ended_at.is_(None), Household.archived_at.is_(None))
            .order_by(Household.next_due_at, Household.id))


def my_households(*, member_id: int, member: dict) -> list[dict]:
    """A member's households, most urgent first, as plain rows (this is the app's hottest read:
    one indexed query, tags folded in, on the session's Core connection: no ORM objects)."""
    rows = db.session.connection().execute(_mine_statement(), {"member_id": member_id}).all()
    now = utcnow()
    out = []
    for r in rows:
        hh = r._asdict()
        hh["tags"] = sorted(r.tags.split(",")) if r.tags else []
        hh["member"] = member
        hh.update(due_state(r.next_due_at, now))
        out.append(hh)
    return out


def card_rows(households: list[Household], *, base_url: str) -> list[dict]:
    """What a contact card shows: the household, its linked member, its grid's secretary, a QR code."""
    ids = [h.id for h in households]
    members = {hid: (name, phone) for hid, name, phone in db.session.execute(
        select(Link.household_id, User.name, User.phone).join(Member, Member.id == Link.member_id)
        .join(User, User.id == Member.user_id).where(Link.household_id.in_(ids), Link.ended_at.is_(None)))}
    secretaries = {}
    for unit, name, phone in db.session.execute(
            select(OrgClosure.descendant_id, User.name, User.phone)
            .join(User, User.org_unit_id == OrgClosure.ancestor_id)
            .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "secretary"))
            .where(OrgClosure.descendant_id.in_({h.org_unit_id for h in households}), User.is_active.is_(True))
            .order_by(OrgClosure.depth)):
        secretaries.setdefault(unit, (name, phone))
    out = []
    for h in households:
        link = f"{base_url}/bind?code={h.card_code}"
        m_name, m_phone = members.get(h.id, (None, None))
        s_name, s_phone = secretaries.get(h.org_unit_id, (None, None))
        out.append({"head_name": h.head_name, "number": h.number, "address": h.address, "member_name": m_name,
                    "member_phone": m_phone, "secretary_name": s_name, "secretary_phone": s_phone,
                    "code": "-".join(h.card_code[i:i + 4] for i in range(0, len(h.card_code), 4)), "link": link,
                    "qr": segno.make(link, error="m").svg_inline(scale=2, omitsize=False)})
    return out
