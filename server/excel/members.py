"""Members in from spreadsheets: their account, unit, leader flag and their leader. A row's key is
its username: re-importing updates the member in place. New accounts get an initial password,
changed at first login, returned once to the importer."""
from sqlalchemy import func, select

from server.auth.models import User, UserRole
from server.common.scoping import subtree_ids
from server.excel.tables import Columns
from server.excel.units import UnitIndex
from server.extensions import db
from server.links.models import LeaderLink
from server.links.services import link_leader
from server.members.models import Member
from server.members.services import MEMBER_LEVELS, create_member, update_member

COLUMNS = {"用户名": "username", "姓名": "name", "电话": "phone", "所在单位": "unit", "党小组长": "is_leader",
           "联系组长": "leader"}
REQUIRED = ("用户名", "姓名", "所在单位")
YES, NO = {"是", "yes", "y", "true", "1"}, {"否", "no", "n", "false", "0", ""}


def template_rows() -> list[list]:
    return [["zhang_wei", "张伟", "13800000001", "幸福社区/第一网格/第一微网格", "是", ""],
            ["li_na", "李娜", "13800000002", "幸福社区/第一网格/第一微网格", "否", "zhang_wei"]]


def parse(header: list[str], rows: list[list], *, scope_unit_id: int | None) -> tuple[list[dict], list[dict]]:
    errors: list[dict] = []
    columns = Columns(header, COLUMNS, REQUIRED)
    if columns.missing:
        return [], columns.missing
    cell = columns.cell
    units = UnitIndex(scope_unit_id)
    names = {cell(r, "用户名").lower() for r in rows} | {cell(r, "联系组长").lower() for r in rows}
    names.discard("")
    accounts = {}  # lower(username) -> (user id, member id or None, member in scope)
    if names:
        in_scope = Member.org_unit_id.in_(subtree_ids(scope_unit_id)) if scope_unit_id is not None else True
        for uid, uname, mid, ok in db.session.execute(
                select(User.id, User.username, Member.id, in_scope)
                .outerjoin(Member, Member.user_id == User.id).where(func.lower(User.username).in_(names))):
            accounts[uname.lower()] = {"user_id": uid, "member_id": mid, "in_scope": bool(ok) and mid is not None}
    leaders_now = set(db.session.scalars(select(Member.id).join(UserRole, UserRole.user_id == Member.user_id).where(
        Member.id.in_([a["member_id"] for a in accounts.values() if a["member_id"]]), UserRole.role == "leader")))
    clean, seen = [], {}
    for n, raw in enumerate(rows, start=2):
        def err(col, message):
            errors.append({"row": n, "column": col, "message": message})

        username, name, phone = cell(raw, "用户名"), cell(raw, "姓名"), cell(raw, "电话")
        rec = {"row": n, "username": username, "name": name, "phone": phone or None}
        if not username:
            err("用户名", "Missing data for required field.")
        elif not 3 <= len(username) <= 64:
            err("用户名", "Length must be between 3 and 64.")
        elif username.lower() in seen:
            err("用户名", "The same username appears more than once.")
        else:
            seen[username.lower()] = rec
            account = accounts.get(username.lower())
            if account is not None and not account["in_scope"]:
                err("用户名", "This username belongs to an account that is not a member here.")
            rec["member_id"] = account["member_id"] if account else None
        if not name:
            err("姓名", "Missing data for required field.")
        elif len(name) > 50:
            err("姓名", "Longer than maximum length 50.")
        if len(phone) > 20:
            err("电话", "Longer than maximum length 20.")
        unit, message = units.resolve(cell(raw, "所在单位"))
        if message:
            err("所在单位", message)
        elif units.units[unit]["level"] not in MEMBER_LEVELS:
            err("所在单位", "Members belong to a grid or micro-grid.")
        rec["org_unit_id"] = unit
        flag = cell(raw, "党小组长").lower()
        if flag not in YES | NO:
            err("党小组长", "Write 是 or 否.")
        rec["is_leader"] = flag in YES
        rec["leader"] = cell(raw, "联系组长").lower() or None
        clean.append(rec)
    for rec in clean:  # leaders may be rows of the same file, before or after
        leader = rec["leader"]
        if leader is None:
            continue
        row = seen.get(leader)
        if row is not None:
            ok = row["is_leader"] and row is not rec
        else:
            account = accounts.get(leader)
            ok = account is not None and account["in_scope"] and account["member_id"] in leaders_now
        if not ok:
            errors.append({"row": rec["row"], "column": "联系组长",
                           "message": "Unknown member." if row is None and leader not in accounts
                           else "Not a leader: mark them 党小组长=是 or choose a leader."})
    return clean, errors


def apply(rows: list[dict], *, by_user_id: int | None, progress=None) -> dict:
    created = updated = linked = 0
    passwords = []
    by_username: dict[str, Member] = {}
    for r in rows:
        if r["member_id"] is None:
            member, initial = create_member(username=r["username"], name=r["name"], phone=r["phone"],
                                            org_unit_id=r["org_unit_id"], is_leader=r["is_leader"],
                                            is_central_household=False)
            passwords.append({"row": r["row"], "username": r["username"], "name": r["name"],
                              "initial_password": initial})
            created += 1
        else:
            member = db.session.get(Member, r["member_id"])
            update_member(member=member, by_user_id=by_user_id, name=r["name"], phone=r["phone"],
                          org_unit_id=r["org_unit_id"], is_leader=r["is_leader"], is_active=True)
            updated += 1
        by_username[r["username"].lower()] = member
        if progress:
            progress(1)
    db.session.flush()
    led = [r for r in rows if r["leader"] is not None]
    outside = {r["leader"] for r in led} - set(by_username)  # leaders already in the tree, not in the file
    if outside:
        by_username |= {m.user.username.lower(): m for m in db.session.scalars(
            select(Member).join(User).where(func.lower(User.username).in_(outside)))}
    current = dict(db.session.execute(select(LeaderLink.member_id, LeaderLink.leader_id).where(
        LeaderLink.member_id.in_([by_username[r["username"].lower()].id for r in led]),
        LeaderLink.ended_at.is_(None))).all()) if led else {}
    for r in led:
        member, leader = by_username[r["username"].lower()], by_username[r["leader"]]
        if current.get(member.id) != leader.id:
            link_leader(leader=leader, member=member, replace=True, by_user_id=by_user_id)
            linked += 1
    return {"created": created, "updated": updated, "linked": linked, "initial_passwords": passwords}
