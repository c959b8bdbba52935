"""Households in and out of spreadsheets. Import validates every row first; any bad row and
nothing is saved. Re-importing a file updates in place: a row's key is its micro-grid and 户号."""
import re

from sqlalchemy import bindparam, select

from server.auth.models import User
from server.common.scoping import subtree_ids
from server.common.types import utcnow
from server.excel.tables import Columns
from server.extensions import db
from server.households.models import TAGS, Household, HouseholdTag
from server.households.services import new_card_code
from server.links.models import Link
from server.members.models import Member
from server.org.models import OrgUnit
from server.visits.cadence import refresh_due
from server.visits.schemas import LOCAL_TZ

# column -> field; the Chinese headers are what the template carries
COLUMNS = {"微网格": "microgrid", "户号": "number", "地址": "address", "户主": "head_name", "电话": "phone",
           "人口": "size", "标签": "tags", "联系党员": "member"}
REQUIRED = ("微网格", "户号", "地址", "户主")
TAG_BY_NAME = {names[0]: code for code, names in TAGS.items()} | {code: code for code in TAGS}
EXPORT_HEADER = list(COLUMNS) + ["联系党员姓名", "上次走访", "下次走访", "是否逾期", "联系卡编码"]


def template_rows() -> list[list]:
    return [["第一网格第1微网格党小组", "01-001", "城南街道幸福路1号楼1单元101室", "张三", "13800000000", 2,
             "独居老人、退役军人", "member0102"]]


def _err(errors, row, column, message):
    errors.append({"row": row, "column": column, "message": message})


def parse(header: list[str], rows: list[list], *, scope_unit_id: int | None) -> tuple[list[dict], list[dict]]:
    """Check every row. Returns (clean rows, errors); errors name the spreadsheet row and column."""
    errors: list[dict] = []
    columns = Columns(header, COLUMNS, REQUIRED)
    if columns.missing:
        return [], columns.missing
    index = columns.index
    units = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.level == "microgrid")
    if scope_unit_id is not None:
        units = units.where(OrgUnit.id.in_(subtree_ids(scope_unit_id)))
    by_name: dict[str, list[int]] = {}
    for uid, name in db.session.execute(units):
        by_name.setdefault(name, []).append(uid)
    usernames = {columns.cell(r, "联系党员") for r in rows} - {""}
    members = {}
    if usernames:
        q = select(User.username, Member.id, Member.org_unit_id).join(Member, Member.user_id == User.id).where(
            User.username.in_(usernames), Member.is_active.is_(True))
        if scope_unit_id is not None:
            q = q.where(Member.org_unit_id.in_(subtree_ids(scope_unit_id)))
        members = {u: (mid, unit) for u, mid, unit in db.session.execute(q)}
    clean, seen = [], {}
    for n, raw in enumerate(rows, start=2):  # the spreadsheet's own row numbers (1 is the header)
        def cell(col, raw=raw):
            return columns.cell(raw, col)

        rec = {"row": n}
        unit = cell("微网格")
        ids = by_name.get(unit, [])
        if not unit:
            _err(errors, n, "微网格", "Missing data for required field.")
        elif not ids:
            _err(errors, n, "微网格", "Unknown micro-grid.")
        elif len(ids) > 1:
            _err(errors, n, "微网格", "Several micro-grids have this name.")
        else:
            rec["org_unit_id"] = ids[0]
        for col, field, limit in (("户号", "number", 32), ("地址", "address", 200), ("户主", "head_name", 50),
                                  ("电话", "phone", 20)):
            value = cell(col)
            if not value and col in REQUIRED:
                _err(errors, n, col, "Missing data for required field.")
            elif len(value) > limit:
                _err(errors, n, col, "Longer than maximum length {max}.".replace("{max}", str(limit)))
            rec[field] = value or None
        size = cell("人口") or "1"
        try:
            rec["size"] = int(float(size))
            if not 1 <= rec["size"] <= 50:
                raise ValueError
        except ValueError:
            _err(errors, n, "人口", "Must be greater than or equal to 1 and less than or equal to 50.")
        tags = [t for t in re.split(r"[,，、;；\s]+", cell("标签")) if t]
        unknown = [t for t in tags if t not in TAG_BY_NAME]
        if unknown:
            _err(errors, n, "标签", "Unknown tag.")
        rec["tags"] = sorted({TAG_BY_NAME[t] for t in tags if t in TAG_BY_NAME})
        username = cell("联系党员")
        rec["member_id"] = None
        if username:
            if username not in members:
                _err(errors, n, "联系党员", "Unknown member.")
            else:
                rec["member_id"] = members[username][0]
        key = (rec.get("org_unit_id"), rec.get("number"))
        if None not in key:
            if key in seen:
                _err(errors, n, "户号", "The same household appears more than once.")
            seen[key] = n
        clean.append(rec)
    return clean, errors


def apply(rows: list[dict], *, by_user_id: int | None, progress=None) -> dict:
    """Insert new households and update existing ones (by micro-grid and 户号), their tags and links."""
    now = utcnow()
    units = {r["org_unit_id"] for r in rows}
    existing = {(u, num): hid for hid, u, num in db.session.execute(
        select(Household.id, Household.org_unit_id, Household.number).where(Household.org_unit_id.in_(units)))}
    current = dict(db.session.execute(select(Link.household_id, Link.member_id).join(
        Household, Household.id == Link.household_id).where(Household.org_unit_id.in_(units),
                                                          Link.ended_at.is_(None))).all())
    created = updated = linked = 0
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        new = [r for r in chunk if (r["org_unit_id"], r["number"]) not in existing]
        old = [r for r in chunk if (r["org_unit_id"], r["number"]) in existing]
        if new:
            t = Household.__table__
            inserted = db.session.execute(t.insert().returning(t.c.id, t.c.org_unit_id, t.c.number), [
                {"org_unit_id": r["org_unit_id"], "number": r["number"], "address": r["address"],
                 "head_name": r["head_name"], "phone": r["phone"], "size": r["size"], "card_code": new_card_code(),
                 "created_at": now, "updated_at": now} for r in new])
            for hid, u, num in inserted:
                existing[(u, num)] = hid
            created += len(new)
        if old:  # one executemany for the chunk, not a statement per row
            t = Household.__table__
            db.session.execute(
                t.update().where(t.c.id == bindparam("hid")).values(
                    address=bindparam("address"), head_name=bindparam("head_name"), phone=bindparam("phone"),
                    size=bindparam("size"), updated_at=now, archived_at=None),
                [{"hid": existing[(r["org_unit_id"], r["number"])], "address": r["address"],
                  "head_name": r["head_name"], "phone": r["phone"], "size": r["size"]} for r in old])
        updated += len(old)
        ids = [existing[(r["org_unit_id"], r["number"])] for r in chunk]
        db.session.execute(HouseholdTag.__table__.delete().where(HouseholdTag.household_id.in_(ids)))
        tag_rows = [{"household_id": existing[(r["org_unit_id"], r["number"])], "tag": t} for r in chunk for t in r["tags"]]
        if tag_rows:
            db.session.execute(HouseholdTag.__table__.insert(), tag_rows)
        for r in chunk:
            hid = existing[(r["org_unit_id"], r["number"])]
            if r["member_id"] is None or current.get(hid) == r["member_id"]:
                continue
            if hid in current:
                db.session.execute(Link.__table__.update().where(Link.household_id == hid, Link.ended_at.is_(None))
                                   .values(ended_at=now, ended_by_id=by_user_id, end_reason="import"))
            db.session.execute(Link.__table__.insert().values(member_id=r["member_id"], household_id=hid,
                                                             started_at=now, created_by_id=by_user_id))
            current[hid] = r["member_id"]
            linked += 1
        if progress:
            progress(len(chunk))
    refresh_due(where=Household.org_unit_id.in_(units))
    return {"created": created, "updated": updated, "linked": linked}


def _day(ts) -> str:
    return ts.astimezone(LOCAL_TZ).strftime("%Y-%m-%d") if ts else ""


def export_rows(stmt):
    """Rows for the export of the households ``stmt`` selects (with member and due status)."""
    now = utcnow()
    q = (stmt.with_only_columns(Household.id, OrgUnit.name, Household.number, Household.address, Household.head_name,
                                Household.phone, Household.size, User.username, User.name, Household.last_visit_at,
                                Household.next_due_at, Household.card_code)
         .join(OrgUnit, OrgUnit.id == Household.org_unit_id)
         .outerjoin(Link, (Link.household_id == Household.id) & Link.ended_at.is_(None))
         .outerjoin(Member, Member.id == Link.member_id).outerjoin(User, User.id == Member.user_id)
         .order_by(Household.org_unit_id, Household.number))
    rows = db.session.execute(q).all()
    tags: dict[int, list[str]] = {}
    for hid, tag in db.session.execute(select(HouseholdTag.household_id, HouseholdTag.tag).where(
            HouseholdTag.household_id.in_([r[0] for r in rows]))):
        tags.setdefault(hid, []).append(TAGS[tag][0])
    for r in rows:
        yield [r[1], r[2], r[3], r[4], r[5], r[6], "、".join(sorted(tags.get(r[0], []))), r[7], r[8],
               _day(r[9]), _day(r[10]),
               "是" if r[10] and r[10] < now else "否", r[11]]
