"""Accounts made by an admin start with an initial password that must be changed before anything else."""
import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import func, select

from server.auth.models import AuthSession, User
from server.extensions import db

CHANGE_FIRST = "请先修改初始密码。"
NEW_PASSWORD = "brand-new-pass-1"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def change(client, token, current, new, **headers):
    return client.post("/api/v1/auth/password", json={"current_password": current, "new_password": new},
                       headers={**bearer(token), **headers})


@pytest.fixture
def new_secretary(client, world):
    """A secretary account made by the admin: (username, initial password, user id)."""
    r = client.post("/api/v1/users", json={"username": "sec3", "name": "新书记", "phone": "13600000001",
                                           "roles": ["secretary"], "org_unit_id": world.g1.id},
                    headers=world.headers("admin"))
    assert r.status_code == 201, r.json
    return "sec3", r.json["initial_password"], r.json["id"]


def test_admin_made_user_gets_an_initial_password(client, world, new_secretary):
    username, initial, uid = new_secretary
    assert isinstance(initial, str) and len(initial) >= 8 and not initial.isdigit()
    user = db.session.get(User, uid)
    assert user.must_change_password is True and initial not in user.password_hash
    r = client.get("/api/v1/users", headers=world.headers("admin"), query_string={"q": "sec3"})
    listed = r.json["items"]
    assert [u["id"] for u in listed] == [uid]
    assert listed[0]["must_change_password"] is True
    assert "initial_password" not in listed[0] and "password_hash" not in listed[0]


def test_each_account_gets_a_different_initial_password(client, world):
    seen = set()
    for i in range(3):
        r = client.post("/api/v1/users", json={"username": f"sec-new{i}", "name": "书记", "roles": ["secretary"],
                                               "org_unit_id": world.g2.id},
                        headers=world.headers("admin"))
        assert r.status_code == 201, r.json
        seen.add(r.json["initial_password"])
    assert len(seen) == 3


def test_initial_password_blocks_everything_but_me_and_password(client, world, new_secretary):
    username, initial, uid = new_secretary
    first = login(client, username, initial)
    assert first.status_code == 200
    assert first.json["user"]["must_change_password"] is True
    token = first.json["access_token"]
    for path in ("/api/v1/households", "/api/v1/members", "/api/v1/org-units", "/api/v1/visits",
                 "/api/v1/requests"):
        r = client.get(path, headers=bearer(token))
        assert r.status_code == 403, path
        assert r.json == {"status": 403, "message": CHANGE_FIRST, "errors": {}}
    r = client.get("/api/v1/households", headers={**bearer(token), "Accept-Language": "en"})
    assert r.json["message"] == "Please change your initial password first."
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json["must_change_password"] is True and me.json["id"] == uid
    assert client.post("/api/v1/auth/refresh", headers=bearer(first.json["refresh_token"])).status_code == 200

    assert change(client, token, initial, NEW_PASSWORD).status_code == 204
    assert client.get("/api/v1/households", headers=bearer(token)).status_code == 200
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert me["must_change_password"] is False
    assert db.session.get(User, uid).password_changed_at is not None


def test_member_made_by_a_secretary_must_change_too(client, world):
    r = client.post("/api/v1/members", json={"username": "member9", "name": "新党员", "phone": "13600000009",
                                             "org_unit_id": world.m1a.id}, headers=world.headers("sec1"))
    assert r.status_code == 201, r.json
    initial = r.json["initial_password"]
    assert initial
    t = login(client, "member9", initial).json
    assert t["user"]["must_change_password"] is True and t["user"]["member_id"] == r.json["id"]
    r = client.get("/api/v1/me/households", headers=bearer(t["access_token"]))
    assert r.status_code == 403 and r.json["message"] == CHANGE_FIRST
    assert change(client, t["access_token"], initial, NEW_PASSWORD).status_code == 204
    r = client.get("/api/v1/me/households", headers=bearer(t["access_token"]))
    assert r.status_code == 200 and r.json == []


@pytest.mark.parametrize("current, new, field", [
    ("wrong-current-1", NEW_PASSWORD, "current_password"),
    (None, "short1", "new_password"),          # under 8 characters
    (None, "abc1234", "new_password"),         # 7 characters
    (None, "1234567890", "new_password"),      # only digits
    (None, "sec3", "new_password"),
    (None, None, "new_password"),              # the same as the current one
])
def test_password_change_is_checked(client, world, new_secretary, current, new, field):
    username, initial, uid = new_secretary
    token = login(client, username, initial).json["access_token"]
    r = change(client, token, current or initial, new or initial)
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {field}
    assert db.session.get(User, uid).must_change_password is True
    assert login(client, username, initial).status_code == 200  # nothing changed


def test_password_change_messages(client, world, new_secretary):
    username, initial, _ = new_secretary
    token = login(client, username, initial).json["access_token"]
    r = change(client, token, "wrong-current-1", NEW_PASSWORD)
    assert r.json["errors"] == {"current_password": ["当前密码错误。"]}
    r = change(client, token, initial, "1234567890")
    assert r.json["errors"] == {"new_password": ["密码至少 8 位，且不能全是数字。"]}
    r = change(client, token, initial, "short", **{"Accept-Language": "en"})
    assert r.json["errors"] == {"new_password": ["At least 8 characters, not only digits."]}
    r = client.post("/api/v1/auth/password", json={"new_password": NEW_PASSWORD}, headers=bearer(token))
    assert r.status_code == 422 and r.json["errors"] == {"current_password": ["缺少必填字段。"]}


def test_eight_characters_with_a_letter_is_enough(client, world, new_secretary):
    username, initial, _ = new_secretary
    token = login(client, username, initial).json["access_token"]
    assert change(client, token, initial, "1234567a").status_code == 204
    assert login(client, username, "1234567a").status_code == 200


def test_change_ends_the_other_sessions_but_not_this_one(client, world, new_secretary):
    username, initial, uid = new_secretary
    this = login(client, username, initial).json
    other = login(client, username, initial).json   # another device, before the change
    assert change(client, this["access_token"], initial, NEW_PASSWORD).status_code == 204

    assert client.get("/api/v1/me", headers=bearer(this["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers=bearer(this["refresh_token"])).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(other["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"])).status_code == 401
    live = db.session.scalars(select(AuthSession.id).where(AuthSession.user_id == uid,
                                                           AuthSession.revoked_at.is_(None))).all()
    assert live == [decode_token(this["access_token"])["sid"]]

    assert login(client, username, initial).status_code == 401
    again = login(client, username, NEW_PASSWORD)
    assert again.status_code == 200 and again.json["user"]["must_change_password"] is False


def test_change_does_not_touch_other_users(client, world, new_secretary):
    username, initial, _ = new_secretary
    h = world.headers("sec1")
    token = login(client, username, initial).json["access_token"]
    assert change(client, token, initial, NEW_PASSWORD).status_code == 204
    assert client.get("/api/v1/households", headers=h).status_code == 200


def test_anyone_may_change_their_password(client, world):
    h = world.headers("resident1")
    from tests.factories import PASSWORD
    r = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "another-pass-2"},
                    headers=h)
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert login(client, "resident1", "another-pass-2").status_code == 200


def test_password_change_needs_a_token(client, world):
    r = client.post("/api/v1/auth/password", json={"current_password": "x", "new_password": NEW_PASSWORD})
    assert r.status_code == 401


# ---- admin reset ------------------------------------------------------------------

def test_admin_reset_gives_a_new_initial_password_and_ends_sessions(client, world, new_secretary):
    username, initial, uid = new_secretary
    t = login(client, username, initial).json
    assert change(client, t["access_token"], initial, NEW_PASSWORD).status_code == 204
    other = login(client, username, NEW_PASSWORD).json

    r = client.post(f"/api/v1/users/{uid}/reset-password", headers=world.headers("admin"))
    assert r.status_code == 200 and set(r.json) == {"initial_password"}
    reset = r.json["initial_password"]
    assert reset not in (initial, NEW_PASSWORD) and len(reset) >= 8

    for tokens in (t, other):
        assert client.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(AuthSession).where(
        AuthSession.user_id == uid, AuthSession.revoked_at.is_(None))) == 0
    assert login(client, username, NEW_PASSWORD).status_code == 401

    fresh = login(client, username, reset).json
    assert fresh["user"]["must_change_password"] is True
    r = client.get("/api/v1/households", headers=bearer(fresh["access_token"]))
    assert r.status_code == 403 and r.json["message"] == CHANGE_FIRST
    assert change(client, fresh["access_token"], reset, "third-pass-333").status_code == 204
    assert client.get("/api/v1/households", headers=bearer(fresh["access_token"])).status_code == 200


def test_reset_password_is_admin_only_scoped_and_not_for_oneself(client, world):
    uid = world.member1.user_id
    for who in ("sec1", "leader1", "member2", "resident1", "dept1"):
        assert client.post(f"/api/v1/users/{uid}/reset-password", headers=world.headers(who)).status_code == 403
    assert client.post(f"/api/v1/users/{world.admin.id}/reset-password",
                       headers=world.headers("admin")).status_code == 403
    assert client.post("/api/v1/users/999999/reset-password", headers=world.headers("admin")).status_code == 404
    from tests.factories import UserFactory
    UserFactory(username="g2admin", roles=["admin"], org_unit_id=world.g2.id)
    db.session.commit()
    h = world.headers("member1")
    r = client.post(f"/api/v1/users/{uid}/reset-password", headers=world.headers("g2admin"))
    assert r.status_code == 404  # member1 is in grid 1
    assert client.get("/api/v1/me", headers=h).status_code == 200  # and nothing happened
