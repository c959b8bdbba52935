"""GET /me for every role, and the admin's /users."""
import pytest
from sqlalchemy import func, select

from server.auth.models import User
from server.extensions import db
from server.links.models import Link
from server.common.types import utcnow
from tests.factories import PASSWORD, UserFactory


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def get_me(client, world, who):
    r = client.get("/api/v1/me", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def user_row(user_id) -> User:
    return db.session.get(User, user_id)


# ---- /me -----------------------------------------------------------------------

def test_me_member(client, world):
    me = get_me(client, world, "member1")
    u = user_row(world.member1.user_id)
    assert me["id"] == u.id and me["username"] == "member1" and me["name"] == u.name and me["phone"] == u.phone
    assert me["roles"] == ["member"]
    assert me["member_id"] == world.member1.id
    assert me["org_unit_id"] == world.m1a.id and me["org_unit_name"] == "一网格一微格"
    assert me["household_count"] == 3 and me["over_capacity"] is False
    leader_user = user_row(world.leader1.user_id)
    assert me["leader"] == {"id": world.leader1.id, "name": leader_user.name, "phone": leader_user.phone}
    assert "led_member_count" not in me and me.get("linked_member") is None
    assert me["must_change_password"] is False and me["locale"] == "zh-CN"
    assert "password_hash" not in me


def test_me_member_counts_follow_the_links(app, client, world, monkeypatch):
    me = get_me(client, world, "member2")
    assert me["household_count"] == 1 and me["leader"]["id"] == world.leader1.id
    db.session.execute(Link.__table__.update().where(Link.member_id == world.member2.id).values(ended_at=utcnow()))
    db.session.commit()
    assert get_me(client, world, "member2")["household_count"] == 0  # ended links do not count
    monkeypatch.setitem(app.config, "MEMBER_CAPACITY", 2)
    me = get_me(client, world, "member1")
    assert me["household_count"] == 3 and me["over_capacity"] is True


def test_me_member_without_a_leader(client, world):
    me = get_me(client, world, "member3")
    assert me["household_count"] == 1 and me["leader"] is None and me["org_unit_id"] == world.m2a.id


def test_me_leader(client, world):
    me = get_me(client, world, "leader1")
    assert me["roles"] == ["leader", "member"]
    assert me["led_member_count"] == 2
    assert me["household_count"] == 0 and me["leader"] is None
    assert me["member_id"] == world.leader1.id


def test_me_resident(client, world):
    me = get_me(client, world, "resident2")
    assert me["roles"] == ["resident"] and me["household_id"] == world.h5.id
    assert me["org_unit_id"] == world.m2a.id and me["org_unit_name"] == "二网格一微格"
    member3 = user_row(world.member3.user_id)
    assert me["linked_member"] == {"id": world.member3.id, "name": member3.name, "phone": member3.phone}
    assert me["member_id"] is None and "household_count" not in me and "led_member_count" not in me


def test_me_resident_of_an_unlinked_household(client, world):
    r = client.post("/api/v1/auth/bind-household", json={"card_code": world.h_free.card_code, "phone": "13955556666",
                                                         "password": "resident-pass-1", "name": "新居民"})
    me = client.get("/api/v1/me", headers=bearer(r.json["access_token"])).json
    assert me["household_id"] == world.h_free.id and me["linked_member"] is None


def test_me_secretary_admin_department(client, world):
    me = get_me(client, world, "sec1")
    assert me["roles"] == ["secretary"] and me["org_unit_id"] == world.g1.id and me["org_unit_name"] == "第一网格"
    assert me["member_id"] is None and "household_count" not in me
    me = get_me(client, world, "admin")
    assert me["roles"] == ["admin"] and me["org_unit_id"] == world.community.id
    me = get_me(client, world, "dept1")
    assert me["roles"] == ["department"] and me["department_id"] == world.dept.id
    assert me["org_unit_id"] == world.street.id and "household_count" not in me


def test_me_sees_role_changes_at_once(client, world):
    h = world.headers("sec2")
    r = client.patch(f"/api/v1/users/{world.sec2.id}", json={"roles": ["secretary", "admin"]},
                     headers=world.headers("admin"))
    assert r.status_code == 200 and r.json["roles"] == ["admin", "secretary"]
    assert client.get("/api/v1/me", headers=h).json["roles"] == ["admin", "secretary"]
    assert client.get("/api/v1/users", headers=h).status_code == 200  # the token needs no refresh


# ---- /users --------------------------------------------------------------------

@pytest.mark.parametrize("who", ["sec1", "leader1", "member1", "resident1", "dept1"])
def test_users_is_admin_only(client, world, who):
    h = world.headers(who)
    assert client.get("/api/v1/users", headers=h).status_code == 403
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=h)
    assert r.status_code == 403 and r.json["message"] == "您没有权限执行此操作。"
    assert client.patch(f"/api/v1/users/{world.member2.user_id}", json={"name": "x"}, headers=h).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "newbie")) == 0
    assert user_row(world.member2.user_id).name != "x"


def test_users_need_a_token(client, world):
    assert client.get("/api/v1/users").status_code == 401


def test_admin_lists_and_filters_users(client, world):
    h = world.headers("admin")
    r = client.get("/api/v1/users", headers=h)
    assert r.status_code == 200
    names = {u["username"] for u in r.json["items"]}
    # the community admin sees accounts placed in the community's subtree
    assert {"admin", "sec1", "sec2", "leader1", "member1", "member2", "member3"} <= names
    assert "dept1" not in names  # placed at the street, above the admin
    assert r.json["total"] == len(r.json["items"])
    r = client.get("/api/v1/users", headers=h, query_string={"role": "secretary"})
    assert {u["username"] for u in r.json["items"]} == {"sec1", "sec2"}
    r = client.get("/api/v1/users", headers=h, query_string={"org_unit_id": world.g2.id})
    assert {u["username"] for u in r.json["items"]} == {"sec2", "member3"}
    r = client.get("/api/v1/users", headers=h, query_string={"role": "king"})
    assert r.status_code == 422 and "role" in r.json["errors"]


def test_grid_admin_does_not_see_another_grid(client, world):
    UserFactory(username="g2admin", roles=["admin"], org_unit_id=world.g2.id)
    db.session.commit()
    h = world.headers("g2admin")
    seen = {u["username"] for u in client.get("/api/v1/users", headers=h).json["items"]}
    assert seen == {"g2admin", "sec2", "member3"}
    r = client.patch(f"/api/v1/users/{world.sec1.id}", json={"name": "改名"}, headers=h)
    assert r.status_code == 404 and r.json["message"] == "未找到，或您无权查看。"
    assert user_row(world.sec1.id).name == world.sec1.name
    r = client.patch(f"/api/v1/users/{world.sec2.id}", json={"name": "改名"}, headers=h)
    assert r.status_code == 200 and r.json["name"] == "改名"
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=h)
    assert r.status_code == 422 and set(r.json["errors"]) == {"org_unit_id"}
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["secretary"]}, headers=h)
    assert r.status_code == 422 and set(r.json["errors"]) == {"org_unit_id"}  # not above their own unit
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "newbie")) == 0


def test_create_user(client, world):
    r = client.post("/api/v1/users", json={"username": "clerk", "name": " 文员 ", "phone": "13600001111",
                                           "roles": ["department"], "department_id": world.dept.id,
                                           "org_unit_id": world.street.id}, headers=world.headers("admin"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"org_unit_id"}  # the street is above this admin
    r = client.post("/api/v1/users", json={"username": "clerk", "name": " 文员 ", "phone": "13600001111",
                                           "roles": ["secretary", "secretary"], "org_unit_id": world.m1b.id},
                    headers=world.headers("admin"))
    assert r.status_code == 201, r.json
    assert r.json["username"] == "clerk" and r.json["name"] == "文员" and r.json["roles"] == ["secretary"]
    assert r.json["org_unit_id"] == world.m1b.id and r.json["is_active"] is True
    assert r.json["initial_password"] and r.json["must_change_password"] is True


@pytest.mark.parametrize("username", ["sec1", "SEC1", " Sec1 "])
def test_duplicate_username_is_409(client, world, username):
    before = db.session.scalar(select(func.count()).select_from(User))
    r = client.post("/api/v1/users", json={"username": username, "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 409, r.json
    assert r.json["errors"] == {"username": ["该用户名已被使用。"]}
    assert db.session.scalar(select(func.count()).select_from(User)) == before


@pytest.mark.parametrize("body, field", [
    ({"username": "newbie", "name": "x", "roles": ["king"]}, "roles"),
    ({"username": "newbie", "name": "x", "roles": []}, "roles"),
    ({"username": "newbie", "name": "x", "roles": "admin"}, "roles"),
    ({"username": "newbie", "name": "x"}, "roles"),
    ({"username": "nb", "name": "x", "roles": ["secretary"]}, "username"),
    ({"username": "     ", "name": "x", "roles": ["secretary"], "org_unit_id": 0}, "username"),
    ({"username": "  ab  ", "name": "x", "roles": ["department"]}, "username"),
    ({"username": "newbie", "name": "   ", "roles": ["department"]}, "name"),
    ({"username": "newbie", "roles": ["secretary"]}, "name"),
    ({"username": "newbie", "name": "x", "roles": ["secretary"], "org_unit_id": "g1"}, "org_unit_id"),
])
def test_create_user_validation(client, world, body, field):
    if body.get("org_unit_id") == 0:
        body = {**body, "org_unit_id": world.g1.id}
    before = db.session.scalar(select(func.count()).select_from(User))
    r = client.post("/api/v1/users", json=body, headers=world.headers("admin"))
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_unknown_role_in_patch_is_422(client, world):
    r = client.patch(f"/api/v1/users/{world.sec1.id}", json={"roles": ["king"]}, headers=world.headers("admin"))
    assert r.status_code == 422 and "roles" in r.json["errors"]
    assert user_row(world.sec1.id).roles == ["secretary"]


def test_deactivating_an_account_ends_its_sessions(client, world):
    h = world.headers("sec2")
    r = client.patch(f"/api/v1/users/{world.sec2.id}", json={"is_active": False}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json["is_active"] is False
    assert client.get("/api/v1/me", headers=h).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "sec2", "password": PASSWORD}).status_code == 401
    client.patch(f"/api/v1/users/{world.sec2.id}", json={"is_active": True}, headers=world.headers("admin"))
    assert client.post("/api/v1/auth/login", json={"username": "sec2", "password": PASSWORD}).status_code == 200


def test_patch_unknown_user_is_404(client, world):
    assert client.patch("/api/v1/users/999999", json={"name": "x"}, headers=world.headers("admin")).status_code == 404


def test_blank_names_are_refused_after_trimming(client, world):
    """Length checks apply to the trimmed value: "   " is no name, "  ab  " is a two-letter username."""
    r = client.post("/api/v1/users", json={"username": "     ", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 422 and r.json["errors"] == {"username": ["长度不能少于 3。"]}
    r = client.post("/api/v1/members", json={"username": "member9", "name": "   ", "org_unit_id": world.m1a.id},
                    headers=world.headers("admin"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"name"}
    r = client.post("/api/v1/members", json={"username": "  ab  ", "name": "党员", "org_unit_id": world.m1a.id},
                    headers={**world.headers("admin"), "Accept-Language": "en"})
    assert r.status_code == 422 and r.json["errors"] == {"username": ["Shorter than minimum length 3."]}
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.username.in_(["", "ab", "member9"]))) == 0


def test_a_scoped_admin_cannot_reach_the_whole_tree_admin(client, world):
    top = UserFactory(username="root", roles=["admin"], org_unit_id=None)
    db.session.commit()
    top_id = top.id
    h = world.headers("admin")  # the community's admin
    assert "root" not in {u["username"] for u in client.get("/api/v1/users", headers=h).json["items"]}
    assert client.patch(f"/api/v1/users/{top_id}", json={"is_active": False}, headers=h).status_code == 404
    assert client.post(f"/api/v1/users/{top_id}/reset-password", headers=h).status_code == 404
    assert client.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD}).status_code == 200
    # while the whole-tree admin sees everyone, residents and the department included
    seen = {u["username"] for u in client.get("/api/v1/users", headers=world.headers("root"),
                                              query_string={"per_page": 200}).json["items"]}
    assert {"admin", "sec1", "resident1", "resident2", "dept1", "root"} <= seen


def test_patch_trims_the_name_and_refuses_a_blank_one(client, world):
    h = world.headers("admin")
    r = client.patch(f"/api/v1/users/{world.sec1.id}", json={"name": "   "}, headers=h)
    assert r.status_code == 422 and set(r.json["errors"]) == {"name"}
    assert user_row(world.sec1.id).name == world.sec1.name
    r = client.patch(f"/api/v1/users/{world.sec1.id}", json={"name": "  新书记 "}, headers=h)
    assert r.status_code == 200 and r.json["name"] == "新书记"
