"""The request state machine: every legal path, every illegal transition from every state."""
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from server.common.types import utcnow
from server.extensions import db
from server.requests.flows import API_ACTIONS, TRANSITIONS, Status
from server.requests.models import Request, RequestEvent
from tests import factories as f

# who performs each action in these tests (the natural actor in the world fixture for r1 / h1)
ACTOR = {"dispatch": "sec1", "accept": "member1", "decline": "member1", "escalate": "sec1",
         "acknowledge": "dept1", "hand_back": "dept1", "resolve": "sec1", "rate": "resident1"}


def body_for(action, world):
    return {"dispatch": {"assignee_id": world.member1.id}, "escalate": {"department_id": world.dept.id,
                                                                         "note": "需要民政办协调"},
            "hand_back": {"note": "不属本部门职责"}, "resolve": {"note": "已办结"},
            "rate": {"score": 5, "comment": "很满意"}}.get(action, {})


def act(client, world, rid, action, who=None, body=None, **headers):
    who = who or ACTOR[action]
    return client.post(f"/api/v1/requests/{rid}/{action.replace('_', '-')}",
                       json=body if body is not None else body_for(action, world),
                       headers=world.headers(who, **headers))


def state(rid):
    db.session.expire_all()
    req = db.session.get(Request, rid)
    events = db.session.scalar(select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == rid))
    return req.status, req.version, req.assignee_id, req.department_id, req.rating, events


# paths through the machine from "submitted" (r1), each a list of actions
PATHS = [
    ["dispatch", "accept", "resolve", "rate"],
    ["dispatch", "decline", "dispatch", "accept", "resolve", "rate"],
    ["dispatch", "accept", "escalate", "acknowledge", "resolve", "rate"],
    ["dispatch", "accept", "escalate", "hand_back", "escalate", "acknowledge", "resolve"],
]


@pytest.mark.parametrize("path", PATHS, ids=["-".join(p) for p in PATHS])
def test_legal_paths_write_the_timeline(client, world, path):
    rid = world.r1.id
    status = Status.SUBMITTED
    for i, action in enumerate(path):
        r = act(client, world, rid, action)
        assert r.status_code == 200, (action, r.json)
        target = TRANSITIONS[action].target
        assert r.json["status"] == target
        last = r.json["timeline"][-1]
        assert (last["from"], last["to"], last["action"]) == (status, target, action)
        assert len(r.json["timeline"]) == i + 2  # the creation row plus one per move
        status = target
    final = state(rid)
    if path[-1] == "rate":
        assert final[0] == "closed" and final[4] == 5
    detail = client.get(f"/api/v1/requests/{rid}", headers=world.headers("resident1")).json
    assert [e["action"] for e in detail["timeline"]] == ["create"] + path
    assert all(e["actor_id"] is not None for e in detail["timeline"])


def test_member_errand_starts_in_progress(client, world):
    r = client.post("/api/v1/requests", json={"category": "service", "title": "代办医保续缴",
                                              "household_id": world.h2.id}, headers=world.headers("member1"))
    assert r.status_code == 201, r.json
    assert r.json["status"] == "in_progress" and r.json["assignee"]["id"] == world.member1.id
    assert r.json["source"] == "member" and "resolve" in r.json["actions"]
    rid = r.json["id"]
    assert act(client, world, rid, "resolve", who="member1").status_code == 200


def _walk_to(client, world, status) -> int:
    """A fresh request (for h1) brought to ``status`` through the API."""
    r = client.post("/api/v1/requests", json={"category": "wish", "title": "微心愿"},
                    headers=world.headers("resident1"))
    rid = r.json["id"]
    route = {"submitted": [], "dispatched": ["dispatch"], "in_progress": ["dispatch", "accept"],
             "escalated": ["dispatch", "accept", "escalate"], "resolved": ["dispatch", "accept", "resolve"],
             "closed": ["dispatch", "accept", "resolve", "rate"]}[status]
    for action in route:
        assert act(client, world, rid, action).status_code == 200
    return rid


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_illegal_transition_is_409_and_changes_nothing(client, world, status):
    rid = _walk_to(client, world, status)
    for action in API_ACTIONS:
        if status in TRANSITIONS[action].sources:
            continue
        before = state(rid)
        # the department cannot see a request not escalated to it (404); the state is checked
        # before the actor, so a secretary who sees it gets the 409 of the state machine
        who = "sec1" if action in ("acknowledge", "hand_back") else None
        r = act(client, world, rid, action, who=who)
        assert r.status_code == 409, (status, action, r.json)
        assert r.json["status"] == 409 and r.json["message"]
        assert state(rid) == before, (status, action)


def test_wrong_actor_is_refused_and_changes_nothing(client, world):
    rid = world.r1.id
    before = state(rid)
    for who in ("member1", "resident1", "leader1"):  # they see r1 but may not dispatch it
        assert act(client, world, rid, "dispatch", who=who).status_code == 403
    assert act(client, world, rid, "dispatch", who="sec2").status_code == 404  # cannot even see it
    assert act(client, world, rid, "dispatch", who="member3").status_code == 404
    assert state(rid) == before
    act(client, world, rid, "dispatch")
    before = state(rid)
    assert act(client, world, rid, "accept", who="member2").status_code == 404
    assert act(client, world, rid, "accept", who="sec1").status_code == 403
    assert state(rid) == before


def test_bad_transition_input_changes_nothing(client, world):
    rid = world.r1.id
    before = state(rid)
    cases = [
        ("dispatch", {"assignee_id": world.member3.id}, 422, "assignee_id"),   # member of another branch
        ("dispatch", {"assignee_id": 999999}, 422, "assignee_id"),
        ("dispatch", {}, 422, "assignee_id"),
        ("dispatch", {"assignee_id": "x"}, 422, "assignee_id"),
    ]
    for action, body, status, field in cases:
        r = act(client, world, rid, action, body=body)
        assert r.status_code == status and field in r.json["errors"], (body, r.json)
    assert state(rid) == before
    act(client, world, rid, "dispatch")
    act(client, world, rid, "accept")
    before = state(rid)
    for body, field in [({"department_id": world.dept.id}, "note"), ({"note": "x"}, "department_id"),
                        ({"department_id": 999999, "note": "x"}, "department_id")]:
        r = act(client, world, rid, "escalate", body=body)
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    r = act(client, world, rid, "resolve", body={"note": "  "})
    assert r.status_code == 422 and "note" in r.json["errors"]
    assert state(rid) == before


def test_rating_rules(client, world):
    rid = world.r1.id
    assert act(client, world, rid, "rate").status_code == 409  # not resolved
    for a in ("dispatch", "accept", "resolve"):
        act(client, world, rid, a)
    before = state(rid)
    for score in (0, 6, "five"):
        r = act(client, world, rid, "rate", body={"score": score})
        assert r.status_code == 422 and "score" in r.json["errors"]
    assert act(client, world, rid, "rate", who="resident2").status_code == 404  # another household
    assert act(client, world, rid, "rate", who="sec1").status_code == 403
    assert act(client, world, rid, "rate", who="member1").status_code == 403
    assert state(rid) == before
    r = act(client, world, rid, "rate", body={"score": 4})
    assert r.status_code == 200 and r.json["rating"] == 4 and r.json["status"] == "closed"
    after = state(rid)
    assert act(client, world, rid, "rate", body={"score": 1}).status_code == 409  # only once
    assert state(rid) == after


def test_department_acknowledges_and_resolves(client, world):
    rid = world.r5.id
    r = client.get("/api/v1/requests?status=escalated&mine=true", headers=world.headers("dept1"))
    assert [x["id"] for x in r.json["items"]] == [rid]
    r = act(client, world, rid, "acknowledge")
    assert r.status_code == 200 and r.json["status"] == "in_progress" and "resolve" in r.json["actions"]
    r = act(client, world, rid, "resolve", who="dept1", body={"note": "已发放临时救助"})
    assert r.status_code == 200 and r.json["status"] == "resolved"
    # still visible to the department afterwards, with the whole timeline
    detail = client.get(f"/api/v1/requests/{rid}", headers=world.headers("dept1")).json
    assert [e["action"] for e in detail["timeline"]] == ["create", "acknowledge", "resolve"]
    assert detail["timeline"][1]["actor_name"] == world.department.name


def test_hand_back_clears_the_department(client, world):
    rid = world.r5.id
    r = act(client, world, rid, "hand_back")
    assert r.status_code == 200 and r.json["department_id"] is None and r.json["status"] == "in_progress"
    assert client.get(f"/api/v1/requests/{rid}", headers=world.headers("dept1")).status_code == 404


def test_concurrent_dispatch_one_wins(app, world):
    """Two secretaries dispatch the same request at once: exactly one succeeds, the other gets 409."""
    c = app.test_client()
    tokens = {who: c.post("/api/v1/auth/login", json={"username": who, "password": f.PASSWORD}).json["access_token"]
              for who in ("sec1", "admin")}
    rid = world.r1.id
    barrier = threading.Barrier(2)
    results = []

    def go(who, member_id):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            r = client.post(f"/api/v1/requests/{rid}/dispatch", json={"assignee_id": member_id},
                            headers={"Authorization": f"Bearer {tokens[who]}"})
            results.append(r.status_code)

    threads = [threading.Thread(target=go, args=("sec1", world.member1.id)),
               threading.Thread(target=go, args=("admin", world.member2.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    status, version, assignee, *_ = state(rid)
    assert status == "dispatched" and version == 2
    assert db.session.scalar(select(func.count()).select_from(RequestEvent).where(
        RequestEvent.request_id == rid, RequestEvent.action == "dispatch")) == 1


def test_transition_with_idempotency_key_replays(client, world):
    rid = world.r1.id
    key = str(uuid.uuid4())
    first = act(client, world, rid, "dispatch", **{"Idempotency-Key": key})
    again = act(client, world, rid, "dispatch", **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200 and first.json == again.json
    assert state(rid)[5] == 2  # one dispatch row


def test_close_stale(app, client, world):
    rid = world.r1.id
    for a in ("dispatch", "accept", "resolve"):
        act(client, world, rid, a)
    fresh = _walk_to(client, world, "resolved")
    db.session.execute(update(Request).where(Request.id == rid).values(resolved_at=utcnow() - timedelta(days=8)))
    db.session.execute(update(Request).where(Request.id == fresh).values(resolved_at=utcnow() - timedelta(days=6)))
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["requests", "close-stale"])
    assert out.exit_code == 0 and "1 resolved requests closed" in out.output
    assert state(rid)[0] == "closed" and state(rid)[4] is None
    assert state(fresh)[0] == "resolved"
    out = runner.invoke(args=["requests", "close-stale"])  # again: nothing more
    assert "0 resolved requests closed" in out.output
    detail = client.get(f"/api/v1/requests/{rid}", headers=world.headers("resident1")).json
    assert detail["timeline"][-1]["action"] == "close_stale" and detail["timeline"][-1]["actor_id"] is None
    assert act(client, world, rid, "rate").status_code == 409
