"""Org units and members through Excel and CSV: all or nothing, re-import changes nothing, scoped."""
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from server.auth.models import User
from server.excel import members as member_excel
from server.excel import org_units as unit_excel
from server.extensions import db
from server.links.models import LeaderLink
from server.members.models import Member
from server.org.models import OrgClosure, OrgUnit


def xlsx(header, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, world, kind, data, name="file.xlsx", who="admin"):
    return client.post(f"/api/v1/imports/{kind}", data={"file": (io.BytesIO(data), name)},
                       headers=world.headers(who), content_type="multipart/form-data")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (OrgUnit, OrgClosure, User, Member,
                                                                               LeaderLink))


UNIT_HEADER = list(unit_excel.COLUMNS)
MEMBER_HEADER = list(member_excel.COLUMNS)


def test_org_units_import_builds_the_tree_and_reimport_changes_nothing(client, world):
    rows = [["幸福社区", "第三网格", "网格"],
            ["幸福社区/第三网格", "三网格一微格", "微网格"],
            ["第三网格", "三网格二微格", "微网格党小组"]]
    r = upload(client, world, "org-units", xlsx(UNIT_HEADER, rows))
    assert r.status_code == 200, r.json
    assert r.json == {"created": 3, "unchanged": 0}
    grid = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "第三网格"))
    assert grid.level == "grid" and grid.parent_id == world.community.id and grid.depth == world.community.depth + 1
    kids = db.session.scalars(select(OrgUnit.name).where(OrgUnit.parent_id == grid.id).order_by(OrgUnit.id)).all()
    assert kids == ["三网格一微格", "三网格二微格"]
    # the closure table knows the new units: the community's subtree holds them
    under = set(db.session.scalars(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == world.street.id)))
    assert {grid.id} | set(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == grid.id))) <= under
    before = counts()
    r = upload(client, world, "org-units", xlsx(UNIT_HEADER, rows), name="again.xlsx")
    assert r.json == {"created": 0, "unchanged": 3} and counts() == before


def test_org_units_bad_rows_save_nothing(client, world):
    before = counts()
    rows = [["幸福社区", "第三网格", "网格"],
            ["不存在的社区", "x", "网格"],           # unknown parent
            ["幸福社区", "第四网格", "微网格"],        # a micro-grid cannot sit under a community
            ["幸福社区", "第一网格", "社区"],          # exists with another level
            ["幸福社区", "", "火星"],                 # no name, unknown level
            ["幸福社区", "三/四网格", "网格"],          # a slash would break paths
            ["幸福社区", "第一网格", "网格"]]          # already there: fine
    r = upload(client, world, "org-units", xlsx(UNIT_HEADER, rows))
    assert r.status_code == 422
    got = {(e["row"], e["column"]): e["message"] for e in r.json["errors"]["rows"]}
    assert got == {(3, "上级"): "单位不存在或不在您的管理范围内。",
                   (4, "层级"): "微网格党小组不能设在社区（村）党组织之下。",
                   (5, "层级"): "该单位已存在，但层级不同。",
                   (6, "名称"): "缺少必填字段。", (6, "层级"): "层级不正确（街道、社区、网格、微网格）。",
                   (7, "名称"): "单位名称不能含有斜杠 /。"}
    assert counts() == before
    # a secretary of grid 1 cannot import; an admin of the community cannot add a top unit or name g2's
    # parent outside its tree
    assert upload(client, world, "org-units", xlsx(UNIT_HEADER, rows[:1]), who="sec1").status_code == 403
    r = upload(client, world, "org-units", xlsx(UNIT_HEADER, [["", "新街道", "街道"], ["城南街道", "新社区", "社区"]]))
    assert [(e["row"], e["column"]) for e in r.json["errors"]["rows"]] == [(2, "上级"), (3, "上级")]
    assert counts() == before


def test_ambiguous_names_need_a_path(client, world):
    upload(client, world, "org-units", xlsx(UNIT_HEADER, [["第二网格", "同名微格", "微网格"],
                                                          ["第一网格", "同名微格", "微网格"]]))
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, [["newbie", "新人", "", "同名微格", "否", ""]]))
    assert r.status_code == 422
    assert r.json["errors"]["rows"][0]["message"] == "有多个同名单位，请写出路径，如 幸福社区/第一网格。"
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, [["newbie", "新人", "", "第二网格/同名微格", "否", ""]]))
    assert r.status_code == 200, r.json
    unit = db.session.scalar(select(Member.org_unit_id).join(User).where(User.username == "newbie"))
    assert db.session.get(OrgUnit, unit).parent_id == world.g2.id


def test_members_import_creates_accounts_links_leaders_and_updates_in_place(client, world):
    rows = [["wang_lead", "王组长", 13800000011, "一网格二微格", "是", ""],
            ["zhao_mem", "赵党员", "13800000012", "第一网格/一网格二微格", "否", "wang_lead"],
            ["member2", "成员二（改名）", "", "一网格二微格", "否", "leader1"]]
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, rows))
    assert r.status_code == 200, r.json
    assert {k: r.json[k] for k in ("created", "updated", "linked")} == {"created": 2, "updated": 1, "linked": 1}
    passwords = {p["username"]: p["initial_password"] for p in r.json["initial_passwords"]}
    assert set(passwords) == {"wang_lead", "zhao_mem"}
    # the initial password works once, and must be changed
    login = client.post("/api/v1/auth/login", json={"username": "zhao_mem", "password": passwords["zhao_mem"]})
    assert login.status_code == 200 and login.json["user"]["must_change_password"] is True
    lead = db.session.scalar(select(User).where(User.username == "wang_lead"))
    assert lead.phone == "13800000011" and lead.has_role("leader") and lead.has_role("member")
    lead_id = lead.member.id
    zhao_id = db.session.scalar(select(Member.id).join(User).where(User.username == "zhao_mem"))
    assert db.session.scalar(select(LeaderLink.leader_id).where(LeaderLink.member_id == zhao_id,
                                                                LeaderLink.ended_at.is_(None))) == lead_id
    assert db.session.scalar(select(User.name).where(User.id == world.member2.user_id)) == "成员二（改名）"

    before = counts()
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, rows), name="again.xlsx")
    assert r.status_code == 200 and r.json["created"] == 0 and r.json["linked"] == 0
    assert r.json["initial_passwords"] == [] and counts() == before

    # moving a member to another leader ends the old link (history kept)
    rows[1][5] = "leader1"
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, rows))
    assert r.json["linked"] == 1
    links = db.session.execute(select(LeaderLink.leader_id, LeaderLink.ended_at).where(
        LeaderLink.member_id == zhao_id).order_by(LeaderLink.id)).all()
    assert [l[0] for l in links] == [lead_id, world.leader1.id] and links[0][1] is not None
    assert links[1][1] is None


def test_members_bad_rows_save_nothing(client, world):
    before = counts()
    rows = [["ok_member", "好党员", "", "一网格一微格", "否", ""],
            ["sec2", "冒名", "", "一网格一微格", "否", ""],          # not a member here
            ["ok_member", "重复", "", "一网格一微格", "否", ""],     # the same username twice
            ["street_mem", "街道党员", "", "城南街道", "否", ""],    # members sit in grids or micro-grids
            ["lonely", "", "", "一网格一微格", "也许", "member1"],   # no name, 是/否, member1 is no leader
            ["ab", "短名", "", "一网格一微格", "否", "nobody_here"]]  # short username, unknown leader
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, rows))
    assert r.status_code == 422
    got = sorted((e["row"], e["column"]) for e in r.json["errors"]["rows"])
    assert got == [(3, "用户名"), (4, "用户名"), (5, "所在单位"), (6, "党小组长"), (6, "姓名"), (6, "联系组长"),
                   (7, "用户名"), (7, "联系组长")]
    assert counts() == before
    # grid 2's member is out of an admin of grid 1's reach (the community admin sees both: check with sec1's unit)
    r = client.post("/api/v1/imports/members", headers=world.headers("sec1"),
                    data={"file": (io.BytesIO(xlsx(MEMBER_HEADER, rows[:1])), "m.xlsx")},
                    content_type="multipart/form-data")
    assert r.status_code == 403


def test_member_rows_out_of_scope_are_refused(client, world):
    """An admin of grid 2 may neither place members in grid 1 nor take over grid 1's members."""
    from tests import factories as f
    f.UserFactory(username="admin_g2", roles=["admin"], org_unit_id=world.g2.id)
    db.session.commit()
    before = counts()
    rows = [["member1", "抢人", "", "二网格一微格", "否", ""], ["new_g2", "新人", "", "一网格一微格", "否", ""]]
    r = upload(client, world, "members", xlsx(MEMBER_HEADER, rows), who="admin_g2")
    assert r.status_code == 422
    assert sorted((e["row"], e["column"]) for e in r.json["errors"]["rows"]) == [(2, "用户名"), (3, "所在单位")]
    assert counts() == before


def test_templates_are_importable_shapes(client, world):
    for kind, header in (("org-units", UNIT_HEADER), ("members", MEMBER_HEADER)):
        r = client.get(f"/api/v1/imports/templates/{kind}.xlsx", headers=world.headers("sec1"))
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.get_data()), read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == header and len(rows) >= 2
    assert client.get("/api/v1/imports/templates/visits.xlsx", headers=world.headers("sec1")).status_code == 404


def test_cli_imports_members_and_writes_passwords(app, world, tmp_path):
    src = tmp_path / "members.csv"
    src.write_text("用户名,姓名,电话,所在单位,党小组长,联系组长\ncli_member,命令行党员,,一网格一微格,否,leader1\n",
                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "members", str(src)])
    assert result.exit_code == 0, result.output
    assert "新增 created 1" in result.output
    out = (tmp_path / "members.csv.passwords.csv").read_text(encoding="utf-8-sig").splitlines()
    username, password = out[1].split(",")[1], out[1].split(",")[3]
    assert username == "cli_member" and len(password) >= 8
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "cli_member")) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("用户名,姓名,所在单位\nx,,无此单位\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "members", str(bad)])
    assert result.exit_code == 1 and "第 2 行 [所在单位] 单位不存在" in result.output
