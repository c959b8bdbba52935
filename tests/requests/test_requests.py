"""Filing requests, due times, hotline intake, the lists of each role, the service catalogue."""
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from server.common.types import utcnow
from server.extensions import db
from server.requests.models import Request, RequestEvent, ServiceItem


def _count():
    return db.session.scalar(select(func.count()).select_from(Request)), \
        db.session.scalar(select(func.count()).select_from(RequestEvent))


def _item(name="养老认证", category="service", days=3):
    item = ServiceItem(name=name, category=category, time_limit_days=days)
    db.session.add(item)
    db.session.commit()
    return item.id


def test_resident_files_for_own_household(client, world):
    r = client.post("/api/v1/requests", json={"category": "complaint", "title": "楼道灯坏了",
                                              "description": "三单元二楼的灯不亮"}, headers=world.headers("resident1"))
    assert r.status_code == 201, r.json
    body = r.json
    assert body["household_id"] == world.h1.id and body["status"] == "submitted" and body["source"] == "app"
    assert body["timeline"] == [{"at": body["created_at"], "actor_id": world.resident1.id,
                                 "actor_name": world.resident1.name, "action": "create", "from": None,
                                 "to": "submitted", "note": None}]
    created = datetime.fromisoformat(body["created_at"])
    assert abs(datetime.fromisoformat(body["due_at"]) - (created + timedelta(days=7))) < timedelta(seconds=1)
    # a resident cannot file for another household
    r = client.post("/api/v1/requests", json={"category": "wish", "title": "x", "household_id": world.h5.id},
                    headers=world.headers("resident1"))
    assert r.status_code == 404


def test_due_time_from_service_item(client, world):
    item = _item(days=3)
    r = client.post("/api/v1/requests", json={"category": "service", "title": "养老认证", "service_item_id": item},
                    headers=world.headers("resident1"))
    assert r.status_code == 201
    created = datetime.fromisoformat(r.json["created_at"])
    assert abs(datetime.fromisoformat(r.json["due_at"]) - (created + timedelta(days=3))) < timedelta(seconds=1)
    assert r.json["service_item"] == {"id": item, "name": "养老认证", "time_limit_days": 3}
    r = client.post("/api/v1/requests", json={"category": "wish", "title": "x"}, headers=world.headers("resident1"))
    created = datetime.fromisoformat(r.json["created_at"])
    assert abs(datetime.fromisoformat(r.json["due_at"]) - (created + timedelta(days=30))) < timedelta(seconds=1)


def test_bad_requests_store_nothing(client, world):
    before = _count()
    inactive = ServiceItem(name="已停用事项", category="service", time_limit_days=3, is_active=False)
    db.session.add(inactive)
    db.session.commit()
    cases = [
        ("resident1", {"category": "red", "title": "x"}, 422, "category"),
        ("resident1", {"category": "service", "title": "x", "service_item_id": 99999}, 422, "service_item_id"),
        ("resident1", {"category": "service", "title": "x", "service_item_id": inactive.id}, 422, "service_item_id"),
        ("resident1", {"category": "service", "title": "标" * 101}, 422, "title"),
        ("resident1", {"category": "service", "title": ""}, 422, "title"),
        ("resident1", {"category": "service", "title": "x", "description": "字" * 5001}, 422, "description"),
        ("resident1", {"category": "service"}, 422, "title"),
        ("resident1", {"category": "service", "title": "x", "source": "hotline", "external_ref": "A1"}, 422, "source"),
        ("member1", {"category": "service", "title": "x", "household_id": world.h4.id}, 404, None),  # not mine
        ("member1", {"category": "service", "title": "x"}, 422, "household_id"),
        ("sec1", {"category": "service", "title": "x", "household_id": world.h5.id}, 404, None),    # other grid
        ("sec1", {"category": "service", "title": "x", "household_id": world.h1.id, "source": "hotline"}, 422,
         "external_ref"),
        ("sec1", {"category": "service", "title": "x", "household_id": 99999}, 404, None),
        ("dept1", {"category": "service", "title": "x", "household_id": world.h1.id}, 422, "source"),
    ]
    for who, body, status, field in cases:
        r = client.post("/api/v1/requests", json=body, headers=world.headers(who))
        assert r.status_code == status, (who, body, r.json)
        if field:
            assert field in r.json["errors"], (who, body, r.json)
    r = client.post("/api/v1/requests", data="{", content_type="application/json", headers=world.headers("resident1"))
    assert r.status_code == 400
    assert _count() == before


def test_hotline_ticket_twice_returns_the_first(client, world):
    body = {"category": "complaint", "title": "噪音扰民", "household_id": world.h2.id, "source": "hotline",
            "external_ref": "12345-2026-0001"}
    first = client.post("/api/v1/requests", json=body, headers=world.headers("sec1"))
    assert first.status_code == 201 and first.json["external_ref"] == "12345-2026-0001"
    before = _count()
    again = client.post("/api/v1/requests", json={**body, "title": "重复推送"}, headers=world.headers("admin"))
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert again.json["title"] == "噪音扰民"
    assert _count() == before
    # someone who cannot see that household learns nothing but that the ticket exists
    r = client.post("/api/v1/requests", json={**body, "household_id": world.h5.id}, headers=world.headers("sec2"))
    assert r.status_code == 409 and "id" not in r.json


def test_lists_for_each_role(client, world):
    h = world.headers("sec1")
    board = client.get(f"/api/v1/requests?status=submitted&org_unit_id={world.g1.id}", headers=h).json
    assert [x["id"] for x in board["items"]] == [world.r1.id]
    mine = client.get("/api/v1/requests?mine=true", headers=world.headers("member2")).json
    assert [x["id"] for x in mine["items"]] == [world.r4.id]
    mine = client.get("/api/v1/requests?mine=true", headers=world.headers("member1")).json
    assert mine["total"] == 0  # r1 is about member1's household but not assigned to them
    res = client.get("/api/v1/requests", headers=world.headers("resident1")).json
    assert [x["id"] for x in res["items"]] == [world.r1.id]
    r = client.get("/api/v1/requests?status=escalated", headers=world.headers("dept1")).json
    assert [x["id"] for x in r["items"]] == [world.r5.id]
    r = client.get("/api/v1/requests?category=service&status=in_progress", headers=h).json
    assert [x["id"] for x in r["items"]] == [world.r4.id]
    assert client.get("/api/v1/requests?status=lost", headers=h).status_code == 422
    assert client.get(f"/api/v1/requests?org_unit_id={world.g2.id}", headers=h).status_code == 404


def test_overdue_requests(client, world):
    db.session.execute(update(Request).where(Request.id == world.r4.id).values(due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    r = client.get("/api/v1/requests?overdue=true", headers=world.headers("sec1")).json
    assert [(x["id"], x["overdue"]) for x in r["items"]] == [(world.r4.id, True)]
    all_ = {x["id"]: x["overdue"] for x in client.get("/api/v1/requests", headers=world.headers("sec1")).json["items"]}
    assert all_ == {world.r1.id: False, world.r4.id: True}


def test_actions_tell_the_app_what_it_may_do(client, world):
    assert client.get(f"/api/v1/requests/{world.r1.id}", headers=world.headers("sec1")).json["actions"] == ["dispatch"]
    assert client.get(f"/api/v1/requests/{world.r1.id}", headers=world.headers("resident1")).json["actions"] == []
    assert client.get(f"/api/v1/requests/{world.r5.id}", headers=world.headers("dept1")).json["actions"] == [
        "acknowledge", "hand_back"]


def test_service_catalogue(client, world):
    h = world.headers("admin")
    r = client.post("/api/v1/service-items", json={"name": "低保申请", "category": "service", "time_limit_days": 15},
                    headers=h)
    assert r.status_code == 201
    item = r.json["id"]
    assert client.post("/api/v1/service-items", json={"name": "低保申请", "category": "service",
                                                      "time_limit_days": 5}, headers=h).status_code == 409
    assert client.post("/api/v1/service-items", json={"name": "x", "category": "service", "time_limit_days": 0},
                       headers=h).status_code == 422
    assert client.post("/api/v1/service-items", json={"name": "x", "category": "service", "time_limit_days": 3},
                       headers=world.headers("sec1")).status_code == 403
    r = client.patch(f"/api/v1/service-items/{item}", json={"time_limit_days": 10}, headers=h)
    assert r.status_code == 200 and r.json["time_limit_days"] == 10
    names = [i["name"] for i in client.get("/api/v1/service-items", headers=world.headers("resident1")).json]
    assert names == ["低保申请"]
    cats = client.get("/api/v1/requests/categories", headers=world.headers("resident1")).json
    assert [c["code"] for c in cats] == ["suggestion", "complaint", "wish", "publicity", "service"]
    assert cats[4] == {"code": "service", "name": "服务", "colour": "red", "default_days": 7}
