from sqlalchemy import func, select

from server.auth.models import User
from server.extensions import db
from server.links.models import LeaderLink, Link
from server.members.models import Member


def test_create_member_with_initial_password(client, world):
    body = {"username": "newmember", "name": "孙丽", "phone": "13700000000", "org_unit_id": world.m1b.id,
            "is_leader": True}
    r = client.post("/api/v1/members", json=body, headers=world.headers("sec1"))
    assert r.status_code == 201, r.json
    assert r.json["is_leader"] is True and r.json["household_count"] == 0
    initial = r.json["initial_password"]
    assert len(initial) >= 8
    user = db.session.scalar(select(User).where(User.username == "newmember"))
    assert user.must_change_password is True and set(user.roles) == {"member", "leader"}
    r = client.post("/api/v1/auth/login", json={"username": "newmember", "password": initial})
    assert r.status_code == 200 and r.json["user"]["must_change_password"] is True
    # username taken: 409 and no second account
    r = client.post("/api/v1/members", json={**body, "username": "NewMember"}, headers=world.headers("sec1"))
    assert r.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Member)) == 5


def test_create_member_bad_input(client, world):
    h = world.headers("sec1")
    before = db.session.scalar(select(func.count()).select_from(Member))
    ok = {"username": "m_x", "name": "x", "org_unit_id": world.m1a.id}
    for body, field in [({**ok, "org_unit_id": world.m2a.id}, "org_unit_id"),
                        ({**ok, "org_unit_id": world.street.id}, "org_unit_id"),
                        ({**ok, "username": "ab"}, "username"),
                        ({**ok, "is_leader": "maybe"}, "is_leader"),
                        ({k: v for k, v in ok.items() if k != "name"}, "name")]:
        r = client.post("/api/v1/members", json=body, headers=h)
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    assert client.post("/api/v1/members", json=ok, headers=world.headers("leader1")).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Member)) == before


def test_list_members_with_counts_and_filters(client, world):
    h = world.headers("sec1")
    r = client.get("/api/v1/members", headers=h)
    rows = {m["id"]: m for m in r.json["items"]}
    assert rows[world.member1.id]["household_count"] == 3
    assert rows[world.member1.id]["leader"]["id"] == world.leader1.id
    assert rows[world.leader1.id]["led_member_count"] == 2
    assert rows[world.member1.id]["over_capacity"] is False
    r = client.get("/api/v1/members?is_leader=true", headers=h)
    assert [m["id"] for m in r.json["items"]] == [world.leader1.id]
    r = client.get(f"/api/v1/members?leader_id={world.leader1.id}", headers=h)
    assert {m["id"] for m in r.json["items"]} == {world.member1.id, world.member2.id}
    r = client.get(f"/api/v1/members?org_unit_id={world.m1b.id}", headers=h)
    assert [m["id"] for m in r.json["items"]] == [world.member2.id]
    name = client.get(f"/api/v1/members/{world.member2.id}", headers=h).json["name"]
    r = client.get(f"/api/v1/members?q={name}", headers=h)
    assert [m["id"] for m in r.json["items"]] == [world.member2.id]
    assert client.get("/api/v1/members?over_capacity=true", headers=h).json["total"] == 0


def test_deactivate_member_ends_links_and_login(client, world):
    h = world.headers("sec1")
    assert client.delete(f"/api/v1/members/{world.member1.id}", headers=h).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Link).where(
        Link.member_id == world.member1.id, Link.ended_at.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Link).where(
        Link.member_id == world.member1.id)) == 3  # history kept
    assert db.session.scalar(select(func.count()).select_from(LeaderLink).where(
        LeaderLink.member_id == world.member1.id, LeaderLink.ended_at.is_(None))) == 0
    r = client.post("/api/v1/auth/login", json={"username": "member1", "password": "test-pass-123"})
    assert r.status_code == 401
    r = client.get("/api/v1/households?unlinked=true", headers=h)
    assert {world.h1.id, world.h2.id, world.h3.id} <= {x["id"] for x in r.json["items"]}
    assert client.get("/api/v1/members", headers=h).json["total"] == 2
    assert client.get("/api/v1/members?include_inactive=true", headers=h).json["total"] == 3
    assert client.delete(f"/api/v1/members/{world.member3.id}", headers=h).status_code == 404


def test_update_member(client, world):
    h = world.headers("sec1")
    r = client.patch(f"/api/v1/members/{world.member1.id}", json={"name": "新名", "org_unit_id": world.m1b.id},
                     headers=h)
    assert r.status_code == 200 and r.json["name"] == "新名" and r.json["org_unit_id"] == world.m1b.id
    r = client.patch(f"/api/v1/members/{world.member1.id}", json={"org_unit_id": world.m2a.id}, headers=h)
    assert r.status_code == 422
    r = client.patch(f"/api/v1/members/{world.leader1.id}", json={"is_leader": False}, headers=h)
    assert r.status_code == 200 and r.json["is_leader"] is False
    assert db.session.scalar(select(func.count()).select_from(LeaderLink).where(
        LeaderLink.leader_id == world.leader1.id, LeaderLink.ended_at.is_(None))) == 0
    assert client.patch(f"/api/v1/members/{world.member3.id}", json={"name": "x"}, headers=h).status_code == 404
    # a name of spaces is no name; one with spaces around is kept trimmed
    r = client.patch(f"/api/v1/members/{world.member1.id}", json={"name": "   "}, headers=h)
    assert r.status_code == 422 and "name" in r.json["errors"]
    r = client.patch(f"/api/v1/members/{world.member1.id}", json={"name": "  新名二 "}, headers=h)
    assert r.status_code == 200 and r.json["name"] == "新名二"
