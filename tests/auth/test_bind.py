"""Resident sign-up with the household contact-card code: POST /auth/bind-household."""
import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import func, select

from server.auth.models import AuthSession, User
from server.extensions import db

URL = "/api/v1/auth/bind-household"
PHONE = "13912345678"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def body_for(card_code, **over):
    return {"card_code": card_code, "phone": PHONE, "password": "resident-pass-1", "name": "赵居民", **over}


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_bind_returns_tokens_for_a_resident_of_that_household(client, world):
    r = client.post(URL, json=body_for(world.h2.card_code, name="  赵居民 "))
    assert r.status_code == 201, r.json
    assert r.json["access_token"] and r.json["refresh_token"]
    u = r.json["user"]
    assert u["roles"] == ["resident"] and u["household_id"] == world.h2.id
    assert u["name"] == "赵居民" and u["must_change_password"] is False
    assert {"id", "name", "roles", "org_unit_id"} <= set(u)
    stored = db.session.get(User, u["id"])
    assert stored.username == PHONE and stored.phone == PHONE and stored.household_id == world.h2.id
    assert stored.roles == ["resident"] and "resident-pass-1" not in stored.password_hash
    sid = decode_token(r.json["access_token"])["sid"]
    assert db.session.get(AuthSession, sid).user_id == u["id"]
    # the tokens work, and the phone number and password log in later
    me = client.get("/api/v1/me", headers=bearer(r.json["access_token"]))
    assert me.status_code == 200 and me.json["household_id"] == world.h2.id
    again = client.post("/api/v1/auth/login", json={"username": PHONE, "password": "resident-pass-1"})
    assert again.status_code == 200 and again.json["user"]["id"] == u["id"]


@pytest.mark.parametrize("spell", [
    lambda c: c.lower(),
    lambda c: f"{c[:4]}-{c[4:8]}-{c[8:]}",
    lambda c: f"{c[:4]} {c[4:8]} {c[8:]}",
    lambda c: f" {c[:4].lower()}-{c[4:8]} {c[8:].lower()} ",
])
def test_card_code_as_typed_from_the_card(client, world, spell):
    r = client.post(URL, json=body_for(spell(world.h3.card_code)))
    assert r.status_code == 201, r.json
    assert r.json["user"]["household_id"] == world.h3.id


@pytest.mark.parametrize("code", ["ZZZZZZZZZZZZ", "0000-0000-0000", "ABCD"])
def test_unknown_card_code_is_422_and_creates_nobody(client, world, code):
    before = user_count()
    r = client.post(URL, json=body_for(code))
    assert r.status_code == 422, r.json
    assert r.json["errors"] == {"card_code": ["联系卡编码无效。"]}
    r = client.post(URL, json=body_for(code), headers={"Accept-Language": "en"})
    assert r.json["errors"] == {"card_code": ["This card code is not valid."]}
    assert user_count() == before
    assert client.post("/api/v1/auth/login", json={"username": PHONE, "password": "resident-pass-1"}).status_code == 401


def test_card_code_shorter_than_four_is_422(client, world):
    r = client.post(URL, json=body_for("AB"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"card_code"}


def test_code_of_an_archived_household_fails(client, world):
    assert client.delete(f"/api/v1/households/{world.h_free.id}", headers=world.headers("sec1")).status_code == 204
    before = user_count()
    r = client.post(URL, json=body_for(world.h_free.card_code))
    assert r.status_code == 422 and "card_code" in r.json["errors"]
    assert user_count() == before


def test_a_registered_phone_is_409_and_nothing_is_created(client, world):
    assert client.post(URL, json=body_for(world.h2.card_code)).status_code == 201
    before = user_count()
    r = client.post(URL, json=body_for(world.h3.card_code, name="又一个", password="other-pass-22"))
    assert r.status_code == 409, r.json
    assert r.json["message"] == "该手机号已注册，请直接登录。"
    assert r.json["errors"] == {"phone": ["该手机号已注册，请直接登录。"]}
    assert user_count() == before
    # the first account keeps its household and password
    t = client.post("/api/v1/auth/login", json={"username": PHONE, "password": "resident-pass-1"})
    assert t.status_code == 200 and t.json["user"]["household_id"] == world.h2.id
    assert client.post("/api/v1/auth/login", json={"username": PHONE, "password": "other-pass-22"}).status_code == 401


def test_phone_taken_as_a_username_is_409(client, world):
    from tests.factories import UserFactory
    UserFactory(username="13700007777", roles=["member"])
    db.session.commit()
    before = user_count()
    r = client.post(URL, json=body_for(world.h2.card_code, phone=" 13700007777 "))
    assert r.status_code == 409 and "phone" in r.json["errors"]
    assert user_count() == before


@pytest.mark.parametrize("phone", ["12345", "12912345678", "1391234567", "139123456789", "+8613912345678",
                                   "139-1234-5678", "abcdefghijk", "",
                                   "139１２３４５６７８", "139١٢٣٤٥٦٧٨"])  # digits, but not ASCII ones
def test_invalid_phone_is_422(client, world, phone):
    before = user_count()
    r = client.post(URL, json=body_for(world.h2.card_code, phone=phone))
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"phone"}
    assert user_count() == before


@pytest.mark.parametrize("password", ["short1", "abc1234", "12345678", "13912345678", ""])
def test_weak_password_is_422(client, world, password):
    before = user_count()
    r = client.post(URL, json=body_for(world.h2.card_code, password=password))
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"password"}
    assert user_count() == before


def test_blank_name_is_422(client, world):
    before = user_count()
    r = client.post(URL, json=body_for(world.h2.card_code, name="   "))
    assert r.status_code == 422 and set(r.json["errors"]) == {"name"}
    assert user_count() == before


@pytest.mark.parametrize("missing", ["card_code", "phone", "password", "name"])
def test_missing_fields_are_422(client, world, missing):
    body = body_for(world.h2.card_code)
    del body[missing]
    r = client.post(URL, json=body)
    assert r.status_code == 422 and r.json["errors"] == {missing: ["缺少必填字段。"]}


def test_households_have_a_resident_cap(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "RESIDENTS_PER_HOUSEHOLD", 1)
    before = user_count()
    r = client.post(URL, json=body_for(world.h1.card_code))  # resident1 lives there already
    assert r.status_code == 409 and r.json["message"] == "该户已绑定的居民数已达上限。"
    assert user_count() == before
    assert client.post(URL, json=body_for(world.h2.card_code)).status_code == 201


def test_rotated_code_old_fails_new_works(client, world):
    old = world.h4.card_code
    r = client.post(f"/api/v1/households/{world.h4.id}/card-code", headers=world.headers("admin"))
    assert r.status_code == 200
    new = r.json["card_code"]
    assert new != old and r.json["bind_url"].endswith(new)
    before = user_count()
    r = client.post(URL, json=body_for(old))
    assert r.status_code == 422 and "card_code" in r.json["errors"]
    assert user_count() == before
    r = client.post(URL, json=body_for(f"{new[:4].lower()}-{new[4:8]}-{new[8:]}"))
    assert r.status_code == 201 and r.json["user"]["household_id"] == world.h4.id


def test_rotation_is_admin_only_and_keeps_bound_residents(client, world):
    h = world.headers("resident1")
    for who in ("sec1", "member1", "resident1"):
        assert client.post(f"/api/v1/households/{world.h1.id}/card-code", headers=world.headers(who)).status_code == 403
    assert client.post(f"/api/v1/households/{world.h1.id}/card-code", headers=world.headers("admin")).status_code == 200
    r = client.get("/api/v1/households", headers=h)
    assert r.status_code == 200 and [i["id"] for i in r.json["items"]] == [world.h1.id]


def test_resident_sees_only_their_household(client, world):
    r = client.post(URL, json=body_for(world.h3.card_code))
    h = bearer(r.json["access_token"])
    r = client.get("/api/v1/households", headers=h)
    assert r.status_code == 200
    assert [i["id"] for i in r.json["items"]] == [world.h3.id] and r.json["total"] == 1
    assert client.get(f"/api/v1/households/{world.h3.id}", headers=h).status_code == 200
    for other in (world.h1, world.h2, world.h4, world.h5, world.h_free):
        r = client.get(f"/api/v1/households/{other.id}", headers=h)
        assert r.status_code == 404 and r.json["message"] == "未找到，或您无权查看。"
    assert client.get("/api/v1/households/999999", headers=h).status_code == 404
    # a resident is no member: no member lists
    assert client.get("/api/v1/members", headers=h).status_code == 403
    me = client.get("/api/v1/me", headers=h).json
    assert me["linked_member"]["id"] == world.member1.id and me["org_unit_id"] == world.m1a.id
