import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.visits.cadence import refresh_due
from server.visits.models import Visit, VisitRevision
from tests import factories as f


def _visits(**where):
    stmt = select(func.count()).select_from(Visit)
    for k, v in where.items():
        stmt = stmt.where(getattr(Visit, k) == v)
    return db.session.scalar(stmt)


def _hh(hid) -> Household:
    db.session.expire_all()
    return db.session.get(Household, hid)


def _close(a, b, seconds=2):
    return abs(a - b) < timedelta(seconds=seconds)


def test_log_visit_moves_the_due_date(client, world):
    body = {"household_id": world.h3.id, "kind": "night", "notes": "了解就业情况",
            "concerns": [{"category": "employment", "note": "儿子待业"}, {"category": "medical"}],
            "location": {"lat": 32.5, "lon": 120.4, "accuracy": 15}}
    r = client.post("/api/v1/visits", json=body, headers=world.headers("member1"))
    assert r.status_code == 201, r.json
    v = r.json
    assert v["kind"] == "night" and v["member_id"] == world.member1.id and v["author_id"] == world.member1.user_id
    assert v["concerns"] == [{"category": "employment", "note": "儿子待业"}, {"category": "medical", "note": None}]
    assert v["location"] == {"lat": 32.5, "lon": 120.4, "accuracy": 15.0}
    visited = datetime.fromisoformat(v["visited_at"])
    assert _close(visited, utcnow())  # time defaults to now
    hh = _hh(world.h3.id)
    assert _close(hh.last_visit_at, visited)
    # h3 is hardship + veteran: the strictest policy (hardship, 14 days) wins
    assert _close(hh.next_due_at, visited + timedelta(days=14))


def test_policy_precedence_and_never_visited(client, world):
    # h2: no tags, never visited -> default 30 days from registration
    h2 = _hh(world.h2.id)
    assert h2.last_visit_at is None
    created = h2.created_at
    assert _close(h2.next_due_at, created + timedelta(days=30))
    # elderly_alone (7) beats hardship (14)
    r = client.patch(f"/api/v1/households/{world.h2.id}", json={"tags": ["hardship", "elderly_alone"]},
                     headers=world.headers("sec1"))
    assert r.status_code == 200
    assert _close(_hh(world.h2.id).next_due_at, created + timedelta(days=7))
    assert _close(datetime.fromisoformat(r.json["next_due_at"]), created + timedelta(days=7))
    r = client.patch(f"/api/v1/households/{world.h2.id}", json={"tags": ["veteran"]}, headers=world.headers("sec1"))
    assert _close(_hh(world.h2.id).next_due_at, created + timedelta(days=30))


def test_policy_changes_move_due_dates_at_once(client, world):
    f.UserFactory(username="rootadmin", roles=["admin"], org_unit_id=world.street.id)
    db.session.commit()
    created = {hid: _hh(hid).created_at for hid in (world.h2.id, world.h3.id)}
    h = world.headers("rootadmin")
    # a community admin may not change the county's policy
    r = client.put("/api/v1/visit-policies/default", json={"interval_days": 20}, headers=world.headers("admin"))
    assert r.status_code == 403
    r = client.put("/api/v1/visit-policies/default", json={"interval_days": 20}, headers=h)
    assert r.status_code == 200 and r.json["interval_days"] == 20
    assert _close(_hh(world.h2.id).next_due_at, created[world.h2.id] + timedelta(days=20))
    r = client.put("/api/v1/visit-policies/veteran", json={"interval_days": 10}, headers=h)
    assert r.status_code == 200
    # h3: hardship 14, veteran 10 -> 10
    assert _close(_hh(world.h3.id).next_due_at, created[world.h3.id] + timedelta(days=10))
    assert client.delete("/api/v1/visit-policies/veteran", headers=h).status_code == 204
    assert _close(_hh(world.h3.id).next_due_at, created[world.h3.id] + timedelta(days=14))
    assert client.put("/api/v1/visit-policies/alien", json={"interval_days": 10}, headers=h).status_code == 404
    assert client.put("/api/v1/visit-policies/default", json={"interval_days": 0}, headers=h).status_code == 422
    assert client.delete("/api/v1/visit-policies/default", headers=h).status_code == 409
    tags = {p["tag"]: p["interval_days"] for p in client.get("/api/v1/visit-policies", headers=h).json}
    assert tags == {"default": 20, "elderly_alone": 7, "hardship": 14}


def test_bad_visits_store_nothing(client, world):
    h = world.headers("member1")
    before = _visits()
    now = utcnow()
    ok = {"household_id": world.h2.id}
    cases = [
        ({**ok, "visited_at": (now + timedelta(minutes=10)).isoformat()}, 422, "visited_at"),
        ({**ok, "visited_at": (now - timedelta(days=31)).isoformat()}, 422, "visited_at"),
        ({**ok, "visited_at": "yesterday"}, 422, "visited_at"),
        ({**ok, "kind": "party"}, 422, "kind"),
        ({**ok, "concerns": [{"category": "aliens"}]}, 422, "concerns"),
        ({**ok, "concerns": ["medical"]}, 422, "concerns"),
        ({**ok, "notes": "字" * 2001}, 422, "notes"),
        ({**ok, "location": {"lat": 91, "lon": 0}}, 422, "location"),
        ({"household_id": "h2"}, 422, "household_id"),
        ({"household_id": world.h4.id}, 404, None),       # member2's household
        ({"household_id": world.h5.id}, 404, None),       # another grid
        ({"household_id": 999999}, 404, None),
    ]
    for body, status, field in cases:
        r = client.post("/api/v1/visits", json=body, headers=h)
        assert r.status_code == status, (body, r.json)
        if field:
            assert field in r.json["errors"], (body, r.json)
    r = client.post("/api/v1/visits", data="{oops", content_type="application/json", headers=h)
    assert r.status_code == 400
    r = client.post("/api/v1/visits", json=ok, headers=world.headers("resident1"))
    assert r.status_code == 403
    assert _visits() == before
    # four minutes ahead is clock skew, not the future
    r = client.post("/api/v1/visits", json={**ok, "visited_at": (now + timedelta(minutes=4)).isoformat()},
                    headers=h)
    assert r.status_code == 201


def test_error_messages_name_the_rule(client, world):
    r = client.post("/api/v1/visits", json={"household_id": world.h2.id,
                                            "visited_at": (utcnow() - timedelta(days=40)).isoformat()},
                    headers=world.headers("member1"))
    assert r.json["errors"]["visited_at"] == ["不能补录 30 天以前的走访。"]
    r = client.post("/api/v1/visits", json={"household_id": world.h2.id, "kind": "x"},
                    headers=world.headers("member1", **{"Accept-Language": "en"}))
    assert r.json["errors"]["kind"][0].startswith("Must be one of")


def test_who_may_log(client, world):
    body = {"household_id": world.h1.id}
    for who in ("member1", "leader1", "sec1", "admin"):
        assert client.post("/api/v1/visits", json=body, headers=world.headers(who)).status_code == 201, who
    for who in ("member2", "member3", "sec2"):
        assert client.post("/api/v1/visits", json=body, headers=world.headers(who)).status_code == 404, who
    assert client.post("/api/v1/visits", json=body, headers=world.headers("dept1")).status_code == 403
    assert _visits(household_id=world.h1.id) == 5


def test_idempotency_key(client, world):
    key = str(uuid.uuid4())
    body = {"household_id": world.h2.id, "notes": "离线记录"}
    h = world.headers("member1", **{"Idempotency-Key": key})
    first = client.post("/api/v1/visits", json=body, headers=h)
    again = client.post("/api/v1/visits", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _visits(household_id=world.h2.id) == 1
    other = client.post("/api/v1/visits", json={**body, "notes": "另一条"}, headers=h)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]
    assert _visits(household_id=world.h2.id) == 1
    # keys belong to their user: the same key from someone else is a new request
    r = client.post("/api/v1/visits", json=body, headers=world.headers("sec1", **{"Idempotency-Key": key}))
    assert r.status_code == 201 and r.json["id"] != first.json["id"]
    # a refused request does not burn its key
    key2 = str(uuid.uuid4())
    bad = client.post("/api/v1/visits", json={"household_id": world.h5.id},
                      headers=world.headers("member1", **{"Idempotency-Key": key2}))
    assert bad.status_code == 404
    good = client.post("/api/v1/visits", json={"household_id": world.h2.id},
                       headers=world.headers("member1", **{"Idempotency-Key": key2}))
    assert good.status_code == 201
    r = client.post("/api/v1/visits", json=body, headers=world.headers("member1", **{"Idempotency-Key": "k" * 65}))
    assert r.status_code == 422


def test_idempotency_race_stores_one_visit(app, world):
    """Racing submissions with one key (as a phone retrying) store exactly one visit."""
    c = app.test_client()
    token = c.post("/api/v1/auth/login", json={"username": "member1", "password": f.PASSWORD}).json["access_token"]
    key = str(uuid.uuid4())
    n = 6
    barrier = threading.Barrier(n)
    results = []

    def go():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            r = client.post("/api/v1/visits", json={"household_id": world.h2.id, "notes": "同一次"},
                            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            results.append((r.status_code, r.json.get("id")))

    threads = [threading.Thread(target=go) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in results] == [201] * n, results
    assert len({i for _, i in results}) == 1
    assert _visits(household_id=world.h2.id) == 1


def test_correction_by_author_within_a_day(client, world):
    h = world.headers("member1")
    v = client.post("/api/v1/visits", json={"household_id": world.h2.id, "notes": "初稿"}, headers=h).json
    earlier = (utcnow() - timedelta(days=3)).isoformat()
    r = client.patch(f"/api/v1/visits/{v['id']}", json={"notes": "修改后", "visited_at": earlier,
                                                        "concerns": [{"category": "housing"}]}, headers=h)
    assert r.status_code == 200, r.json
    assert r.json["notes"] == "修改后" and r.json["concerns"] == [{"category": "housing", "note": None}]
    assert len(r.json["revisions"]) == 1 and r.json["revisions"][0]["before"]["notes"] == "初稿"
    # the due date follows the corrected time
    assert _close(_hh(world.h2.id).last_visit_at, datetime.fromisoformat(earlier))
    # someone else may not correct it; a stranger cannot even see it
    assert client.patch(f"/api/v1/visits/{v['id']}", json={"notes": "x"},
                        headers=world.headers("sec1")).status_code == 403
    assert client.patch(f"/api/v1/visits/{v['id']}", json={"notes": "x"},
                        headers=world.headers("member3")).status_code == 404
    # after 24 hours it is final
    db.session.execute(update(Visit).where(Visit.id == v["id"]).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    r = client.patch(f"/api/v1/visits/{v['id']}", json={"notes": "太晚"}, headers=h)
    assert r.status_code == 409
    assert db.session.get(Visit, v["id"]).notes == "修改后"
    assert db.session.scalar(select(func.count()).select_from(VisitRevision)) == 1
    # no route deletes a visit
    assert client.delete(f"/api/v1/visits/{v['id']}", headers=h).status_code == 405


def test_overdue_and_most_urgent_first(client, world):
    f.visit(world.member1, world.h2, days_ago=40)   # default 30 -> 10 days overdue
    f.visit(world.member1, world.h3, days_ago=20)   # hardship 14 -> 6 days overdue
    refresh_due(last_visit=True)
    db.session.commit()
    mine = client.get("/api/v1/me/households", headers=world.headers("member1")).json
    assert [x["id"] for x in mine] == [world.h2.id, world.h3.id, world.h1.id]
    assert [(x["overdue"], x["days_overdue"]) for x in mine] == [(True, 10), (True, 6), (False, 0)]
    r = client.get(f"/api/v1/households?overdue=true&org_unit_id={world.g1.id}", headers=world.headers("sec1"))
    # h_free was never visited and was registered just now: not overdue yet
    assert [x["id"] for x in r.json["items"]] == [world.h2.id, world.h3.id]
    r = client.get(f"/api/v1/households?overdue=true&org_unit_id={world.g2.id}", headers=world.headers("sec1"))
    assert r.status_code == 404
    members = {m["id"]: m for m in client.get("/api/v1/members", headers=world.headers("sec1")).json["items"]}
    assert members[world.member1.id]["overdue_count"] == 2
    assert members[world.member2.id]["overdue_count"] == 0


def test_member_stats_for_a_period(client, world):
    f.visit(world.member1, world.h2, days_ago=0.5)
    f.visit(world.member1, world.h3, days_ago=0.1)
    db.session.commit()
    start = (utcnow() - timedelta(days=1.5)).isoformat()  # v1 (2 days ago) falls outside, v4 inside
    r = client.get("/api/v1/members", query_string={"from": start}, headers=world.headers("sec1"))
    stats = {m["id"]: m["visit_count"] for m in r.json["items"]}
    assert stats[world.member1.id] == 2 and stats[world.member2.id] == 1
    r = client.get("/api/v1/members", query_string={"from": utcnow().isoformat(),
                                                    "to": (utcnow() - timedelta(days=1)).isoformat()},
                   headers=world.headers("sec1"))
    assert r.status_code == 422 and "from" in r.json["errors"]
    # a leader sees their members' figures
    r = client.get("/api/v1/members", query_string={"from": start, "leader_id": world.leader1.id},
                   headers=world.headers("leader1"))
    assert {m["id"]: m["visit_count"] for m in r.json["items"]} == {world.member1.id: 2, world.member2.id: 1}


def test_visit_list_filters(client, world):
    h = world.headers("sec1")
    r = client.get(f"/api/v1/visits?member_id={world.member1.id}", headers=h)
    assert [v["id"] for v in r.json["items"]] == [world.v1.id]
    r = client.get(f"/api/v1/visits?org_unit_id={world.m1b.id}", headers=h)
    assert [v["id"] for v in r.json["items"]] == [world.v4.id]
    since = (utcnow() - timedelta(days=1.5)).isoformat()
    r = client.get("/api/v1/visits", query_string={"from": since}, headers=h)
    assert [v["id"] for v in r.json["items"]] == [world.v4.id]
    r = client.get("/api/v1/visits", query_string={"from": since, "to": (utcnow() - timedelta(days=5)).isoformat()},
                   headers=h)
    assert r.status_code == 422
    r = client.get(f"/api/v1/visits?household_id={world.h1.id}", headers=h)
    assert r.json["items"][0]["household"]["address"] == world.h1.address


def test_work_diary_groups_by_day(client, world):
    f.visit(world.member1, world.h2, days_ago=2)
    f.visit(world.member1, world.h3, days_ago=5)
    db.session.commit()
    start = (utcnow() - timedelta(days=10)).isoformat()
    days = client.get("/api/v1/me/diary", query_string={"from": start}, headers=world.headers("member1")).json
    assert [d["count"] for d in days] == [2, 1]
    assert days[0]["date"] > days[1]["date"]
    assert {v["household_id"] for v in days[0]["visits"]} == {world.h1.id, world.h2.id}
    # only my own visits
    assert client.get("/api/v1/me/diary", query_string={"from": start},
                      headers=world.headers("member3")).json[0]["visits"][0]["id"] == world.v5.id


def test_catalogue(client, world):
    zh = client.get("/api/v1/visits/catalogue", headers=world.headers("member1")).json
    assert {"code": "night", "name": "民情夜访"} in zh["kinds"]
    assert {"code": "dispute", "name": "矛盾纠纷"} in zh["concerns"]


@pytest.mark.parametrize("tags,days", [([], 30), (["elderly_alone"], 7), (["hardship"], 14),
                                       (["veteran", "hardship", "elderly_alone"], 7), (["veteran"], 30)])
def test_interval_per_tags(world, tags, days):
    hh = f.HouseholdFactory(org_unit_id=world.m1a.id, tags=tags)
    refresh_due(where=Household.id == hh.id)
    db.session.commit()
    hh = _hh(hh.id)
    assert _close(hh.next_due_at, hh.created_at + timedelta(days=days))
    assert hh.next_due_at.tzinfo == timezone.utc


def test_a_concern_becomes_an_errand_in_the_same_step(client, world):
    from server.requests.models import Request
    body = {"household_id": world.h3.id, "concerns": [{"category": "social_security", "note": "医保快到期"}],
            "open_request": {"category": "service", "title": "代办医保续缴"}}
    r = client.post("/api/v1/visits", json=body, headers=world.headers("member1"))
    assert r.status_code == 201, r.json
    req = db.session.get(Request, r.json["request_id"])
    assert req.visit_id == r.json["id"] and req.household_id == world.h3.id
    assert req.status == "in_progress" and req.assignee_id == world.member1.id and req.source == "member"
    # a secretary's visit puts it on the dispatch board instead
    r = client.post("/api/v1/visits", json={**body, "household_id": world.h_free.id}, headers=world.headers("sec1"))
    req = db.session.get(Request, r.json["request_id"])
    assert req.status == "submitted" and req.source == "walk_in"
    # a bad request part refuses the whole visit
    before = _visits()
    r = client.post("/api/v1/visits", json={**body, "open_request": {"category": "gold", "title": "x"}},
                    headers=world.headers("member1"))
    assert r.status_code == 422 and "open_request" in r.json["errors"]
    r = client.post("/api/v1/visits", json={**body, "open_request": {"category": "service", "title": "x",
                                                                      "service_item_id": 424242}},
                    headers=world.headers("member1"))
    assert r.status_code == 422
    assert _visits() == before
