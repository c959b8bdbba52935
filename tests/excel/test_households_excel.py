"""Households through Excel and CSV: all-or-nothing import, re-import updates in place, exports."""
import csv
import io

from openpyxl import Workbook, load_workbook
from werkzeug.test import EnvironBuilder
from sqlalchemy import func, select

from server.excel.households import COLUMNS
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.links.models import Link


def xlsx(rows, header=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or list(COLUMNS))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, world, data, name="households.xlsx", who="admin"):
    return client.post("/api/v1/imports/households", data={"file": (io.BytesIO(data), name)},
                       headers=world.headers(who), content_type="multipart/form-data")


def counts():
    return (db.session.scalar(select(func.count()).select_from(Household)),
            db.session.scalar(select(func.count()).select_from(HouseholdTag)),
            db.session.scalar(select(func.count()).select_from(Link)))


def test_import_creates_then_updates_in_place(client, world):
    rows = [["一网格二微格", "N-1", "幸福路 8 号", "王大", "13900000001", 3, "独居老人、退役军人", "member2"],
            ["一网格二微格", "N-2", "幸福路 9 号", "李二", "", "", "", ""]]
    r = upload(client, world, xlsx(rows))
    assert r.status_code == 200, r.json
    assert r.json == {"created": 2, "updated": 0, "linked": 1}
    hh = db.session.scalar(select(Household).where(Household.number == "N-1"))
    hid = hh.id
    assert hh.tags == ["elderly_alone", "veteran"] and hh.size == 3 and hh.next_due_at is not None
    assert db.session.scalar(select(Link.member_id).where(Link.household_id == hid)) == world.member2.id
    before = counts()
    rows[0][2] = "幸福路 8 号（新）"
    r = upload(client, world, xlsx(rows))
    assert r.json == {"created": 0, "updated": 2, "linked": 0}
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(Household, hid).address == "幸福路 8 号（新）"


def test_numbers_excel_stores_as_floats_are_read_as_written(client, world):
    """Excel keeps a 户号 or a phone typed as a number as a float: 13900000001.0 must not become the phone."""
    r = upload(client, world, xlsx([["一网格二微格", 305.0, "幸福路 9 号", "李二", 13900000001.0, 3.0, "", ""]]))
    assert r.status_code == 200, r.json
    hh = db.session.scalar(select(Household).where(Household.head_name == "李二"))
    assert (hh.number, hh.phone, hh.size) == ("305", "13900000001", 3)


def test_bad_rows_save_nothing_and_are_named(client, world):
    before = counts()
    rows = [["一网格二微格", "N-1", "幸福路 8 号", "王大", "", 3, "", ""],
            ["不存在的微格", "N-2", "x", "y", "", "", "", ""],
            ["一网格二微格", "N-3", "", "y", "", "many", "外星人", "nobody"],
            ["二网格一微格", "N-4", "x", "y", "", "", "", ""],          # outside a grid-1 admin's subtree
            ["一网格二微格", "N-1", "x", "y", "", "", "", ""]]          # the same household twice
    from tests.factories import UserFactory
    UserFactory(username="g1admin", roles=["admin"], org_unit_id=world.g1.id)
    db.session.commit()
    r = upload(client, world, xlsx(rows), who="g1admin")
    assert r.status_code == 422
    assert r.json["message"] == "部分行有误，未保存任何数据。"
    found = {(e["row"], e["column"]) for e in r.json["errors"]["rows"]}
    assert found == {(3, "微网格"), (4, "地址"), (4, "人口"), (4, "标签"), (4, "联系党员"), (5, "微网格"), (6, "户号")}
    assert all(e["message"] for e in r.json["errors"]["rows"])
    assert "微网格不存在或不在您的管理范围内。" in {e["message"] for e in r.json["errors"]["rows"]}
    assert counts() == before


def test_bad_files(client, world):
    before = counts()
    r = upload(client, world, b"just some text", name="notes.txt")
    assert r.status_code == 422 and r.json["errors"]["file"] == ["文件不是 XLSX 或 CSV 格式。"]
    r = upload(client, world, xlsx([]))
    assert r.status_code == 422 and r.json["errors"]["file"] == ["文件中没有数据行。"]
    r = upload(client, world, xlsx([["x", "y"]], header=["户号", "地址"]))
    assert r.status_code == 422 and {e["column"] for e in r.json["errors"]["rows"]} == {"微网格", "户主"}
    r = upload(client, world, b"PK" + b"\0" * 100, name="broken.xlsx")
    assert r.status_code == 422
    big = EnvironBuilder(path="/api/v1/imports/households", method="POST", headers=world.headers("admin"),
                         data={"file": (io.BytesIO(b"a" * (21 * 1024 * 1024)), "big.csv")})
    environ = big.get_environ()
    try:
        r = client.open(environ)
    finally:  # the test client spools a large body to a temporary file: close it here
        environ["wsgi.input"].close()
        big.close()
    assert r.status_code == 422 and r.json["errors"]["file"] == ["文件超过 20 MB。"]
    assert upload(client, world, xlsx([]), who="sec1").status_code == 403
    assert counts() == before


def test_csv_in_gb18030_and_utf8(client, world):
    text = ",".join(COLUMNS) + "\n一网格二微格,C-1,幸福路 1 号,赵六,,2,困难家庭,\n"
    for encoding in ("utf-8-sig", "gb18030"):
        r = upload(client, world, text.encode(encoding), name="households.csv")
        assert r.status_code == 200, r.json
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.number == "C-1")) == 1


def test_export_then_import_changes_nothing(client, world):
    r = client.get(f"/api/v1/exports/households.xlsx?org_unit_id={world.g1.id}", headers=world.headers("admin"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + 5  # grid 1 has five households
    before = counts()
    snapshot = db.session.execute(select(Household.number, Household.address, Household.head_name,
                                         Household.size).order_by(Household.id)).all()
    r = upload(client, world, r.data)
    assert r.status_code == 200, r.json
    assert r.json["created"] == 0 and r.json["updated"] == 5 and r.json["linked"] == 0
    assert counts() == before
    db.session.expire_all()
    assert db.session.execute(select(Household.number, Household.address, Household.head_name,
                                     Household.size).order_by(Household.id)).all() == snapshot


def test_csv_export_is_scoped(client, world):
    r = client.get("/api/v1/exports/households.csv", headers=world.headers("sec2"))
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][1] == world.h5.number
    r = client.get("/api/v1/exports/households.csv", headers=world.headers("sec1"))
    numbers = {row[1] for row in list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))[1:]}
    assert numbers == {getattr(world, n).number for n in ("h1", "h2", "h3", "h_free", "h4")}
    for who in ("member1", "resident1", "dept1"):
        assert client.get("/api/v1/exports/households.csv", headers=world.headers(who)).status_code == 403
    assert client.get(f"/api/v1/exports/households.csv?org_unit_id={world.g1.id}",
                      headers=world.headers("sec2")).status_code == 404


def test_template_and_cli(app, client, world, tmp_path):
    r = client.get("/api/v1/imports/templates/households.xlsx", headers=world.headers("sec1"))
    header = next(load_workbook(io.BytesIO(r.data)).worksheets[0].iter_rows(values_only=True))
    assert list(header) == list(COLUMNS)
    path = tmp_path / "h.xlsx"
    path.write_bytes(xlsx([["一网格二微格", "CLI-1", "x", "y", "", 1, "", ""]]))
    out = app.test_cli_runner().invoke(args=["import", "households", str(path)])
    assert out.exit_code == 0 and "created 1" in out.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["没有这个", "CLI-2", "x", "y", "", 1, "", ""]]))
    out = app.test_cli_runner().invoke(args=["import", "households", str(bad)])
    assert out.exit_code == 1 and "第 2 行 [微网格]" in out.output
