import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.links.models import LeaderLink, Link
from tests import factories as f


def _links(**where):
    stmt = select(Link)
    for k, v in where.items():
        stmt = stmt.where(getattr(Link, k) == v)
    return db.session.scalars(stmt.order_by(Link.id)).all()


def _current(household_id):
    return db.session.scalar(select(Link).where(Link.household_id == household_id, Link.ended_at.is_(None)))


def test_link_unlinked_household(client, world):
    r = client.post("/api/v1/links", json={"member_id": world.member1.id, "household_id": world.h_free.id},
                    headers=world.headers("sec1"))
    assert r.status_code == 201, r.json
    assert r.json["member"]["id"] == world.member1.id and r.json["ended_at"] is None
    assert r.json["created_by_id"] == world.sec1.id
    assert _current(world.h_free.id).member_id == world.member1.id


def test_second_member_needs_replace(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/links", json={"member_id": world.member2.id, "household_id": world.h1.id}, headers=h)
    assert r.status_code == 409
    assert "replace" in r.json["message"]
    assert _current(world.h1.id).member_id == world.member1.id and len(_links(household_id=world.h1.id)) == 1
    r = client.post("/api/v1/links", json={"member_id": world.member1.id, "household_id": world.h1.id}, headers=h)
    assert r.status_code == 409
    r = client.post("/api/v1/links", json={"member_id": world.member2.id, "household_id": world.h1.id,
                                           "replace": True}, headers=h)
    assert r.status_code == 201
    old, new = _links(household_id=world.h1.id)
    assert old.member_id == world.member1.id and old.ended_at is not None
    assert old.ended_by_id == world.sec1.id and old.end_reason == "replaced"
    assert new.member_id == world.member2.id and new.ended_at is None
    # history through the API, newest first
    r = client.get(f"/api/v1/links?household_id={world.h1.id}", headers=h)
    assert [x["member_id"] for x in r.json["items"]] == [world.member2.id, world.member1.id]
    # the resident's linked member follows
    assert client.get("/api/v1/me", headers=world.headers("resident1")).json["linked_member"]["id"] == world.member2.id


def test_link_scope_and_bad_input(client, world):
    h = world.headers("sec1")
    before = len(_links())
    r = client.post("/api/v1/links", json={"member_id": world.member1.id, "household_id": world.h5.id}, headers=h)
    assert r.status_code == 404  # household of another grid
    r = client.post("/api/v1/links", json={"member_id": world.member3.id, "household_id": world.h_free.id},
                    headers=h)
    assert r.status_code == 422 and "member_id" in r.json["errors"]  # member of another grid
    r = client.post("/api/v1/links", json={"member_id": 99999, "household_id": world.h_free.id}, headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/links", json={"member_id": "one", "household_id": world.h_free.id}, headers=h)
    assert r.status_code == 422 and "member_id" in r.json["errors"]
    r = client.post("/api/v1/links", data="{not json", content_type="application/json", headers=h)
    assert r.status_code == 400
    r = client.post("/api/v1/links", json={"member_id": world.member1.id, "household_id": world.h_free.id},
                    headers=world.headers("member1"))
    assert r.status_code == 403
    assert len(_links()) == before


def test_inactive_member_cannot_take_households(client, world):
    h = world.headers("sec1")
    assert client.delete(f"/api/v1/members/{world.member2.id}", headers=h).status_code == 204
    r = client.post("/api/v1/links", json={"member_id": world.member2.id, "household_id": world.h_free.id},
                    headers=h)
    assert r.status_code == 422 and "member_id" in r.json["errors"]


def test_end_link_keeps_history(client, world):
    h = world.headers("sec1")
    link_id = _current(world.h4.id).id
    assert client.delete(f"/api/v1/links/{link_id}", headers=h).status_code == 204
    ended = db.session.get(Link, link_id)
    assert ended.ended_at is not None and ended.ended_by_id == world.sec1.id
    assert client.delete(f"/api/v1/links/{link_id}", headers=h).status_code == 409
    r = client.get("/api/v1/households?unlinked=true", headers=h)
    assert world.h4.id in {x["id"] for x in r.json["items"]}
    other_id = _current(world.h5.id).id
    assert client.delete(f"/api/v1/links/{other_id}", headers=h).status_code == 404
    assert client.delete("/api/v1/links/999999", headers=h).status_code == 404


def test_bulk_all_or_nothing(client, world):
    h = world.headers("sec1")
    extra = [f.HouseholdFactory(org_unit_id=world.m1b.id) for _ in range(3)]
    db.session.commit()
    extra_ids = [x.id for x in extra]
    before = len(_links())
    rows = [{"member_id": world.member2.id, "household_id": hid} for hid in extra_ids]
    bad = rows + [
        {"member_id": world.member2.id, "household_id": world.h5.id},        # 3: out of scope
        {"member_id": world.member2.id, "household_id": world.h1.id},        # 4: linked to member1
        {"member_id": world.member3.id, "household_id": world.h_free.id},    # 5: member of another grid
        {"member_id": world.member2.id, "household_id": extra_ids[0]},       # 6: duplicate
    ]
    r = client.post("/api/v1/links/bulk", json={"links": bad}, headers=h)
    assert r.status_code == 422, r.json
    errs = r.json["errors"]["links"]
    assert set(errs) == {"3", "4", "5", "6"}
    assert "household_id" in errs["3"] and "household_id" in errs["4"]
    assert "member_id" in errs["5"] and "household_id" in errs["6"]
    assert r.json["message"] == "部分行有误，未保存任何数据。"
    assert len(_links()) == before
    r = client.post("/api/v1/links/bulk", json={"links": rows + [
        {"member_id": world.member2.id, "household_id": world.h1.id, "replace": True}]}, headers=h)
    assert r.status_code == 201, r.json
    assert r.json["created"] == 4 and r.json["replaced"] == 1
    assert {ln.household_id for ln in _links(member_id=world.member2.id, ended_at=None)} == \
        {world.h4.id, world.h1.id, *extra_ids}
    assert client.post("/api/v1/links/bulk", json={"links": []}, headers=h).status_code == 422


def test_over_capacity_is_allowed_and_visible(client, world):
    h = world.headers("sec1")
    extra = [f.HouseholdFactory(org_unit_id=world.m1a.id) for _ in range(8)]
    db.session.commit()
    r = client.post("/api/v1/links/bulk", json={"links": [
        {"member_id": world.member1.id, "household_id": x.id} for x in extra]}, headers=h)
    assert r.status_code == 201
    r = client.get("/api/v1/members?over_capacity=true", headers=h)
    assert [(m["id"], m["household_count"], m["over_capacity"]) for m in r.json["items"]] == \
        [(world.member1.id, 11, True)]
    me = client.get("/api/v1/me", headers=world.headers("member1")).json
    assert me["household_count"] == 11 and me["over_capacity"] is True


def test_database_allows_one_current_link_per_household(world):
    db.session.add(Link(member_id=world.member2.id, household_id=world.h1.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_concurrent_links_one_wins(app, world):
    """Two secretaries link the same household to different members at once: one 201, one 409."""
    tokens = {}
    c = app.test_client()
    for who in ("sec1", "admin"):
        tokens[who] = c.post("/api/v1/auth/login", json={"username": who, "password": f.PASSWORD}).json[
            "access_token"]
    results = []
    barrier = threading.Barrier(2)

    def go(who, member_id):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            r = client.post("/api/v1/links", json={"member_id": member_id, "household_id": world.h_free.id},
                            headers={"Authorization": f"Bearer {tokens[who]}"})
            results.append(r.status_code)

    threads = [threading.Thread(target=go, args=("sec1", world.member1.id)),
               threading.Thread(target=go, args=("admin", world.member2.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    assert db.session.scalar(select(func.count()).select_from(Link).where(
        Link.household_id == world.h_free.id, Link.ended_at.is_(None))) == 1


def test_leader_links(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/leader-links", json={"leader_id": world.leader1.id, "member_id": world.member1.id},
                    headers=h)
    assert r.status_code == 409  # already this leader
    r = client.post("/api/v1/leader-links", json={"leader_id": world.member2.id, "member_id": world.member1.id},
                    headers=h)
    assert r.status_code == 422 and "leader_id" in r.json["errors"]  # not a leader
    r = client.post("/api/v1/leader-links", json={"leader_id": world.leader1.id, "member_id": world.leader1.id},
                    headers=h)
    assert r.status_code == 422
    r = client.post("/api/v1/leader-links", json={"leader_id": world.leader1.id, "member_id": world.member3.id},
                    headers=h)
    assert r.status_code == 422  # member of another grid
    # make member2 a leader, move member1 to them
    r = client.patch(f"/api/v1/members/{world.member2.id}", json={"is_leader": True}, headers=h)
    assert r.status_code == 200 and r.json["is_leader"] is True
    r = client.post("/api/v1/leader-links", json={"leader_id": world.member2.id, "member_id": world.member1.id},
                    headers=h)
    assert r.status_code == 409
    r = client.post("/api/v1/leader-links", json={"leader_id": world.member2.id, "member_id": world.member1.id,
                                                  "replace": True}, headers=h)
    assert r.status_code == 201
    rows = db.session.scalars(select(LeaderLink).where(LeaderLink.member_id == world.member1.id)
                              .order_by(LeaderLink.id)).all()
    assert [(x.leader_id, x.ended_at is None) for x in rows] == [(world.leader1.id, False), (world.member2.id, True)]
    link_id = rows[1].id
    # leader1 no longer sees member1's households; member2 (still led by leader1) keeps h4 in view
    seen = {x["id"] for x in client.get("/api/v1/households", headers=world.headers("leader1")).json["items"]}
    assert seen == {world.h4.id}
    assert client.delete(f"/api/v1/leader-links/{link_id}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/leader-links/{link_id}", headers=h).status_code == 409
    assert client.get("/api/v1/me", headers=world.headers("member1")).json["leader"] is None
