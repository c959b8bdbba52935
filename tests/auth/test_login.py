"""Login, refresh, logout and throttling."""
import uuid
from datetime import timedelta

from flask_jwt_extended import create_access_token
from sqlalchemy import func, select, update

from server.auth.models import AuthSession, User
from server.extensions import db
from tests.factories import PASSWORD


def post_login(client, username, password=PASSWORD, **headers):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}, headers=headers)


def test_login_returns_tokens_and_user(client, world):
    r = post_login(client, "Member1")  # usernames are case-insensitive
    assert r.status_code == 200
    assert r.json["access_token"] and r.json["refresh_token"]
    user = r.json["user"]
    assert user["id"] == world.member1.user_id and user["roles"] == ["member"]
    assert user["org_unit_id"] == world.m1a.id
    assert {"id", "name", "roles", "org_unit_id"} <= set(user)


def test_wrong_password_and_unknown_user_look_the_same(client, world):
    wrong = post_login(client, "member1", "not-the-password")
    unknown = post_login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["message"] == "用户名或密码错误。"


def test_inactive_user_cannot_log_in(client, world):
    db.session.execute(update(User).where(User.id == world.member3.user_id).values(is_active=False))
    db.session.commit()
    r = post_login(client, "member3")
    assert r.status_code == 401 and r.json["message"] == "用户名或密码错误。"


def test_login_bad_input(client, world):
    r = client.post("/api/v1/auth/login", json={"username": "member1"})
    assert r.status_code == 422 and "password" in r.json["errors"]
    r = client.post("/api/v1/auth/login", json={"username": 12, "password": []})
    assert r.status_code == 422 and set(r.json["errors"]) == {"username", "password"}
    r = client.post("/api/v1/auth/login", data="{nope", content_type="application/json")
    assert r.status_code == 400 and r.json["message"] == "请求体不是有效的 JSON。"
    assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_failed_logins_are_throttled_per_username(app, client, world):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "3 per 15 minutes"
    try:
        for _ in range(3):
            assert post_login(client, "member1", "wrong-password").status_code == 401
        r = post_login(client, "member1", "wrong-password")
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        assert set(r.json) == {"status", "message", "errors"} and "秒后再试" in r.json["message"]
        assert post_login(client, "member1").status_code == 429  # even the right password, for now
        assert post_login(client, "member2").status_code == 200  # another user is not affected
    finally:
        app.config["LOGIN_LIMIT_PER_USERNAME"] = "5 per 15 minutes"


def test_failed_logins_are_throttled_per_address(app, client, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    try:
        for i in range(4):
            assert post_login(client, f"ghost{i}", "wrong-password").status_code == 401
        r = post_login(client, "ghost9", "wrong-password")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        other = client.post("/api/v1/auth/login", json={"username": "member2", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other.status_code == 200  # another address is not affected
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "30 per 15 minutes"


def test_successful_logins_do_not_count(app, client, world):
    app.config["LOGIN_LIMIT_PER_USERNAME"] = "2 per 15 minutes"
    try:
        for _ in range(5):
            assert post_login(client, "member1").status_code == 200
    finally:
        app.config["LOGIN_LIMIT_PER_USERNAME"] = "5 per 15 minutes"


def test_refresh(client, world):
    tokens = post_login(client, "member1").json
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json['access_token']}"}).status_code == 200
    r = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 401  # an access token cannot refresh


def test_logout_revokes_the_session(client, world):
    tokens = post_login(client, "member1").json
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert client.get("/api/v1/me", headers=access).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=access).status_code == 204
    r = client.get("/api/v1/me", headers=access)
    assert r.status_code == 401 and r.json["message"] == "登录已过期或已退出，请重新登录。"
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 401
    # another login of the same user is untouched
    other = post_login(client, "member1").json
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other['access_token']}"}).status_code == 200


def test_logout_with_the_refresh_token(client, world):
    tokens = post_login(client, "member1").json
    assert client.post("/api/v1/auth/logout",
                       headers={"Authorization": f"Bearer {tokens['refresh_token']}"}).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401


def test_expired_garbage_and_missing_tokens(app, client, world):
    sid = uuid.uuid4().hex
    db.session.add(AuthSession(id=sid, user_id=world.member1.user_id))
    db.session.commit()
    with app.test_request_context():
        expired = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": sid},
                                      expires_delta=timedelta(seconds=-1))
        fine = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": sid})
        nosid = create_access_token(identity=str(world.member1.user_id))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fine}"}).status_code == 200
    for header in (f"Bearer {expired}", "Bearer not.a.token", f"Bearer {nosid}", "Basic abc"):
        r = client.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert set(r.json) == {"status", "message", "errors"}
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json["message"] == "请先登录。"
    r = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert r.json["message"] == "Authentication required."


def test_deactivated_account_loses_its_sessions(client, world):
    h = world.headers("member2")
    assert client.get("/api/v1/me", headers=h).status_code == 200
    client.delete(f"/api/v1/members/{world.member2.id}", headers=world.headers("sec1"))
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_password_hashes_are_argon2(world):
    user = db.session.get(User, world.member1.user_id)
    assert user.password_hash.startswith("$argon2id$")
