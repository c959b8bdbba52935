"""POST /auth/login: the response, credentials that never tell whether an account exists, input checks."""
import base64
import json

import pytest
from sqlalchemy import func, select, update

from server.auth.models import AuthSession, User
from server.extensions import db
from tests.factories import PASSWORD

SHAPE = {"status", "message", "errors"}


def post_login(client, username, password=PASSWORD, **kw):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}, **kw)


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuthSession))


def test_login_returns_both_tokens_and_the_user(client, world):
    r = post_login(client, "sec1", headers={"User-Agent": "pytest-phone/1.0"})
    assert r.status_code == 200, r.json
    body = r.json
    assert {"access_token", "refresh_token", "user"} <= set(body)
    assert body["access_token"] != body["refresh_token"]
    assert body["user"]["id"] == world.sec1.id
    assert body["user"]["name"] == world.sec1.name
    assert body["user"]["roles"] == ["secretary"]
    assert body["user"]["org_unit_id"] == world.g1.id
    assert "password" not in body["user"] and "password_hash" not in body["user"]

    access, refresh = jwt_claims(body["access_token"]), jwt_claims(body["refresh_token"])
    assert access["type"] == "access" and refresh["type"] == "refresh"
    assert access["sub"] == refresh["sub"] == str(world.sec1.id)  # string subject (PyJWT)
    assert access["sid"] == refresh["sid"]                          # one login session for both
    stored = db.session.get(AuthSession, access["sid"])
    assert stored.user_id == world.sec1.id and stored.revoked_at is None
    assert stored.user_agent == "pytest-phone/1.0"

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["id"] == world.sec1.id


def test_each_login_is_its_own_session(client, world):
    a = post_login(client, "member1").json
    b = post_login(client, "member1").json
    assert jwt_claims(a["access_token"])["sid"] != jwt_claims(b["access_token"])["sid"]
    assert session_count() == 2


def test_login_user_roles_for_a_leader_and_a_resident(client, world):
    leader = post_login(client, "leader1").json["user"]
    assert leader["roles"] == ["leader", "member"] and leader["org_unit_id"] == world.m1a.id
    resident = post_login(client, "resident1").json["user"]
    assert resident["roles"] == ["resident"] and resident["household_id"] == world.h1.id


@pytest.mark.parametrize("typed", ["MEMBER1", "Member1", "  member1  ", "mEmBeR1"])
def test_username_is_case_insensitive_and_trimmed(client, world, typed):
    r = post_login(client, typed)
    assert r.status_code == 200, r.json
    assert r.json["user"]["id"] == world.member1.user_id


def test_password_is_case_sensitive(client, world):
    assert post_login(client, "member1", PASSWORD.upper()).status_code == 401


def test_wrong_password_and_unknown_user_give_the_same_answer(client, world):
    wrong = post_login(client, "member1", "not-the-password")
    unknown = post_login(client, "no-such-user", "not-the-password")
    unknown_right_pw = post_login(client, "no-such-user", PASSWORD)
    for r in (wrong, unknown, unknown_right_pw):
        assert r.status_code == 401
        assert set(r.json) == SHAPE
    assert wrong.get_data() == unknown.get_data() == unknown_right_pw.get_data()
    assert wrong.json == {"status": 401, "message": "用户名或密码错误。", "errors": {}}
    en_wrong = post_login(client, "member1", "nope-nope", headers={"Accept-Language": "en"})
    en_unknown = post_login(client, "ghost", "nope-nope", headers={"Accept-Language": "en"})
    assert en_wrong.json == en_unknown.json == {"status": 401, "message": "Wrong username or password.",
                                               "errors": {}}
    assert session_count() == 0


def test_inactive_user_is_refused_like_a_wrong_password(client, world):
    wrong = post_login(client, "member3", "not-the-password")
    db.session.execute(update(User).where(User.id == world.member3.user_id).values(is_active=False))
    db.session.commit()
    r = post_login(client, "member3")  # the right password
    assert r.status_code == 401
    assert r.json == wrong.json  # no hint that the password was right
    assert session_count() == 0
    db.session.execute(update(User).where(User.id == world.member3.user_id).values(is_active=True))
    db.session.commit()
    assert post_login(client, "member3").status_code == 200


@pytest.mark.parametrize("body, fields", [
    ({}, {"username", "password"}),
    ({"username": "member1"}, {"password"}),
    ({"password": PASSWORD}, {"username"}),
    ({"username": 12, "password": PASSWORD}, {"username"}),
    ({"username": "member1", "password": ["x"]}, {"password"}),
    ({"username": None, "password": None}, {"username", "password"}),
    ({"username": "", "password": PASSWORD}, {"username"}),
    ({"username": "member1", "password": ""}, {"password"}),
    ({"username": "member1", "password": "x" * 129}, {"password"}),
    ({"username": "u" * 65, "password": PASSWORD}, {"username"}),
    ({"username": "member1", "password": PASSWORD, "remember": True}, {"remember"}),
])
def test_bad_login_input_is_422_with_field_errors(client, world, body, fields):
    r = client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 422, r.json
    assert set(r.json) == SHAPE and r.json["status"] == 422
    assert set(r.json["errors"]) == fields
    for messages in r.json["errors"].values():
        assert isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
    assert session_count() == 0


def test_missing_field_messages(client, world):
    r = client.post("/api/v1/auth/login", json={"username": "member1"})
    assert r.json["errors"] == {"password": ["缺少必填字段。"]}
    assert r.json["message"] == "输入有误，请检查后重试。"
    r = client.post("/api/v1/auth/login", json={"username": "member1"}, headers={"Accept-Language": "en"})
    assert r.json["errors"] == {"password": ["Missing data for required field."]}


def test_a_json_body_that_is_not_an_object_is_422(client, world):
    r = client.post("/api/v1/auth/login", json=["member1", PASSWORD])
    assert r.status_code == 422 and set(r.json) == SHAPE
    assert r.json["errors"] == {"_schema": ["输入类型无效。"]}


@pytest.mark.parametrize("raw", ['{"username": "member1", "password": ', "{nope", "username=member1", "\x00\x01"])
def test_malformed_json_is_400(client, world, raw):
    r = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
    assert r.status_code == 400
    assert r.json == {"status": 400, "message": "请求体不是有效的 JSON。", "errors": {}}
    r = client.post("/api/v1/auth/login", data=raw, content_type="application/json",
                    headers={"Accept-Language": "en"})
    assert r.json["message"] == "Malformed JSON body."
    assert session_count() == 0


def _stored_hash(user_id):
    db.session.remove()
    return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def test_password_hash_is_upgraded_only_when_parameters_change(app, client, world, monkeypatch):
    uid = world.member1.user_id
    before = _stored_hash(uid)
    assert before.startswith("$argon2id$") and PASSWORD not in before and ",t=1," in before
    assert post_login(client, "member1").status_code == 200
    assert _stored_hash(uid) == before  # same Argon2 parameters: the stored hash is kept

    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    monkeypatch.delitem(app.extensions, "linkage.hasher", raising=False)  # rebuilt from the config
    try:
        assert post_login(client, "member1").status_code == 200
        upgraded = _stored_hash(uid)
        assert upgraded != before and ",t=2," in upgraded
        assert post_login(client, "member1").status_code == 200  # still the same password
    finally:
        app.extensions.pop("linkage.hasher", None)


def test_usernames_with_letters_beyond_ascii(client, world):
    from tests.factories import UserFactory
    UserFactory(username="Élan", roles=["secretary"], org_unit_id=world.g1.id)
    UserFactory(username="张三", roles=["secretary"], org_unit_id=world.g1.id)
    db.session.commit()
    for typed in ("Élan", " Élan ", "张三"):
        r = post_login(client, typed)
        assert r.status_code == 200, (typed, r.json)
    # the duplicate check uses the same comparison as the login
    r = client.post("/api/v1/users", json={"username": "Élan", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 409
