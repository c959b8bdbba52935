"""Exports of visits, requests (timelines flattened) and member statistics: scoped, by period,
in the caller's language, and refused when too large."""
import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from server.auth.models import User
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.visits.models import Visit


def read_csv(r) -> list[list[str]]:
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))


def read_xlsx(r) -> list[list]:
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    ws = load_workbook(io.BytesIO(r.get_data()), read_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def name_of(user_id: int) -> str:
    return db.session.scalar(select(User.name).where(User.id == user_id))


def period(days=30):
    now = utcnow()
    return {"from": (now - timedelta(days=days)).isoformat(), "to": now.isoformat()}


def visible_visit_households(under_unit_ids) -> set[str]:
    """The 户号 of households with a visit, among the given micro-grids (computed from the rows)."""
    return set(db.session.scalars(select(Household.number).join(Visit, Visit.household_id == Household.id)
                                  .where(Household.org_unit_id.in_(under_unit_ids))))


def test_visits_export_is_scoped_and_complete(client, world):
    # a concern on member1's visit, so the concerns column has something to show
    r = client.post("/api/v1/visits", headers=world.headers("member1"), json={
        "household_id": world.h2.id, "kind": "night", "notes": "老人腿脚不便",
        "concerns": [{"category": "medical", "note": "需要陪诊"}, {"category": "housing"}]})
    assert r.status_code == 201, r.json
    rows = read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("sec1"), query_string=period()))
    assert rows[0] == ["走访时间", "类型", "微网格", "户号", "地址", "户主", "走访党员", "发现问题", "民情日志"]
    body = rows[1:]
    assert {r[3] for r in body} == visible_visit_households([world.m1a.id, world.m1b.id])  # grid 1 only
    assert len(body) == 3  # v1, v4 and the night visit; not v5 (grid 2)
    night = next(r for r in body if r[3] == world.h2.number)
    assert night[1] == "民情夜访" and night[2] == "一网格一微格" and night[6] == name_of(world.member1.user_id)
    assert night[7] == "医疗：需要陪诊；住房" and night[8] == "老人腿脚不便"
    assert [r[0] for r in body] == sorted(r[0] for r in body)  # oldest first

    rows = read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("sec2"), query_string=period()))
    assert [r[3] for r in rows[1:]] == [world.h5.number]
    # a leader sees their members' households
    rows = read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("leader1"), query_string=period()))
    assert {r[3] for r in rows[1:]} == {world.h1.number, world.h2.number, world.h4.number}
    # narrowing to a unit, and a period that holds none of them
    rows = read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("admin"),
                               query_string={**period(), "org_unit_id": world.m1b.id}))
    assert [r[3] for r in rows[1:]] == [world.h4.number]
    old = {"from": (utcnow() - timedelta(days=90)).isoformat(), "to": (utcnow() - timedelta(days=60)).isoformat()}
    assert read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("admin"), query_string=old)) == [
        rows[0]]


def test_requests_export_flattens_the_timeline(client, world):
    rid = world.r1.id
    steps = [("sec1", "dispatch", {"assignee_id": world.member1.id, "note": "请尽快联系"}),
             ("member1", "accept", {}), ("member1", "resolve", {"note": "已上门处理"})]
    for who, action, body in steps:
        r = client.post(f"/api/v1/requests/{rid}/{action}", headers=world.headers(who), json=body)
        assert r.status_code == 200, r.json
    rows = read_xlsx(client.get("/api/v1/exports/requests.xlsx", headers=world.headers("sec1"),
                                query_string=period()))
    header = rows[0]
    assert header[:4] == ["编号", "提交时间", "类别", "标题"] and header[-1] == "办理过程"
    by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert set(by_id) == {world.r1.id, world.r4.id}  # r5 is grid 2's
    r1 = by_id[rid]
    assert r1["状态"] == "已办结" and r1["承办党员"] == name_of(world.member1.user_id) and r1["按时办结"] == "是"
    assert r1["来源"] == "居民点单" and r1["户号"] == world.h1.number and r1["首次响应"] and r1["办结时间"]
    lines = r1["办理过程"].split("\n")
    assert len(lines) == 4
    assert "提交（待派单）" in lines[0] and world.resident1.name in lines[0]
    assert "派单（待派单 → 已派单）：请尽快联系" in lines[1] and world.sec1.name in lines[1]
    assert "接单（已派单 → 办理中）" in lines[2]
    assert lines[3].endswith("办结（办理中 → 已办结）：已上门处理")

    # exports are for secretaries, admins and leaders
    assert client.get("/api/v1/exports/requests.xlsx", headers=world.headers("dept1")).status_code == 403
    rows = read_csv(client.get("/api/v1/exports/requests.csv", headers=world.headers("sec2"), query_string=period()))
    assert [int(r[0]) for r in rows[1:]] == [world.r5.id]
    assert rows[1][7] == "已吹哨" and rows[1][13] == "民政办"


def test_member_stats_export_matches_the_api(client, world):
    q = {**period(), "org_unit_id": world.g1.id}
    api = client.get("/api/v1/stats/members", headers=world.headers("sec1"), query_string=q).json["items"]
    rows = read_csv(client.get("/api/v1/exports/member-stats.csv", headers=world.headers("sec1"), query_string=q))
    assert rows[0][:2] == ["排名", "党员"] and rows[0][-1] == "先锋指数"
    assert [(int(r[0]), r[1], float(r[-1])) for r in rows[1:]] == [
        (i["rank"], i["name"], i["vanguard_index"]) for i in api]
    assert len(api) == 3  # leader1, member1, member2
    assert client.get("/api/v1/exports/member-stats.csv", headers=world.headers("sec2"),
                      query_string=q).status_code == 404
    assert client.get("/api/v1/exports/member-stats.csv", headers=world.headers("leader1"),
                      query_string=q).status_code == 403


def test_english_headers_and_values(client, world):
    rows = read_csv(client.get("/api/v1/exports/visits.csv", headers=world.headers("sec1", **{
        "Accept-Language": "en"}), query_string=period()))
    assert rows[0][:3] == ["visited at", "kind", "micro-grid"]
    assert {r[1] for r in rows[1:]} == {"visit"}


def test_bad_requests_for_exports(client, world, app):
    h = world.headers("sec1")
    now = utcnow()
    r = client.get("/api/v1/exports/visits.csv", headers=h,
                   query_string={"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and "from" in r.json["errors"]
    assert client.get("/api/v1/exports/visits.csv", headers=h,
                      query_string={"org_unit_id": world.g2.id}).status_code == 404
    assert client.get("/api/v1/exports/requests.csv", headers=h,
                      query_string={"org_unit_id": 999999}).status_code == 404
    assert client.get("/api/v1/exports/visits.csv", headers=h, query_string={"from": "yesterday"}).status_code == 422
    assert client.get("/api/v1/exports/visits.pdf", headers=h).status_code == 404
    for who in ("member1", "resident1"):
        assert client.get("/api/v1/exports/visits.csv", headers=world.headers(who)).status_code == 403
    app.config["EXPORT_MAX_ROWS"] = 1
    try:
        r = client.get("/api/v1/exports/visits.csv", headers=h, query_string=period())  # v1 and v4
        assert r.status_code == 422
        assert r.json["message"] == "导出结果有 2 行，超过上限 1 行。请缩短时间段或选择更小的单位。"
        assert client.get("/api/v1/exports/visits.csv", headers=h,
                          query_string={**period(), "org_unit_id": world.m1b.id}).status_code == 200
    finally:
        app.config["EXPORT_MAX_ROWS"] = 200000
