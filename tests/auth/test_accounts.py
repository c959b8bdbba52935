"""Accounts made by an admin, the first-login password change, resident sign-up, /me and /users."""
from sqlalchemy import func, select

from server.auth.models import User
from server.extensions import db
from server.households.models import Household


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_admin_made_account_must_change_password_first(client, world):
    r = client.post("/api/v1/users", json={"username": "sec3", "name": "新书记", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 201, r.json
    initial = r.json["initial_password"]
    assert r.json["must_change_password"] is True
    first = login(client, "sec3", initial).json
    assert first["user"]["must_change_password"] is True
    h = bearer(first["access_token"])
    r = client.get("/api/v1/households", headers=h)
    assert r.status_code == 403 and r.json["message"] == "请先修改初始密码。"
    assert client.get("/api/v1/me", headers=h).status_code == 200
    second = login(client, "sec3", initial).json  # another device, logged in before the change
    for body, field in [({"current_password": "wrong-one", "new_password": "brand-new-pass-1"}, "current_password"),
                        ({"current_password": initial, "new_password": "short"}, "new_password"),
                        ({"current_password": initial, "new_password": "1234567890"}, "new_password"),
                        ({"current_password": initial, "new_password": initial}, "new_password")]:
        r = client.post("/api/v1/auth/password", json=body, headers=h)
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    r = client.post("/api/v1/auth/password", json={"current_password": initial, "new_password": "brand-new-pass-1"},
                    headers=h)
    assert r.status_code == 204
    assert client.get("/api/v1/households", headers=h).status_code == 200      # this session goes on
    assert client.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 401  # others end
    assert login(client, "sec3", initial).status_code == 401
    assert login(client, "sec3", "brand-new-pass-1").status_code == 200


def test_reset_password(client, world):
    h = world.headers("member1")
    r = client.post(f"/api/v1/users/{world.member1.user_id}/reset-password", headers=world.headers("admin"))
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=h).status_code == 401  # sessions ended
    fresh = login(client, "member1", r.json["initial_password"]).json
    assert fresh["user"]["must_change_password"] is True
    assert client.post(f"/api/v1/users/{world.admin.id}/reset-password",
                       headers=world.headers("admin")).status_code == 403  # not oneself


def test_users_admin_only_scoped_and_validated(client, world):
    for who in ("sec1", "member1", "resident1"):
        assert client.get("/api/v1/users", headers=world.headers(who)).status_code == 403
    from tests.factories import UserFactory
    UserFactory(username="g2admin", roles=["admin"], org_unit_id=world.g2.id)
    db.session.commit()
    h = world.headers("g2admin")
    seen = {u["username"] for u in client.get("/api/v1/users", headers=h).json["items"]}
    assert seen == {"g2admin", "sec2", "member3"}
    assert client.patch(f"/api/v1/users/{world.sec1.id}", json={"name": "x"}, headers=h).status_code == 404
    r = client.post("/api/v1/users", json={"username": "sec2", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g2.id}, headers=h)
    assert r.status_code == 409
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["king"]}, headers=h)
    assert r.status_code == 422 and "roles" in r.json["errors"]
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=h)
    assert r.status_code == 422 and "org_unit_id" in r.json["errors"]  # outside their subtree
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "newbie")) == 0


def test_bind_household(client, world):
    code = world.h2.card_code
    pretty = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"  # as typed from the printed card
    r = client.post("/api/v1/auth/bind-household", json={"card_code": pretty, "phone": "13912345678",
                                                         "password": "resident-pass-1", "name": "赵居民"})
    assert r.status_code == 201, r.json
    assert r.json["user"]["roles"] == ["resident"] and r.json["user"]["household_id"] == world.h2.id
    h = bearer(r.json["access_token"])
    items = client.get("/api/v1/households", headers=h).json["items"]
    assert [i["id"] for i in items] == [world.h2.id]
    assert client.get(f"/api/v1/households/{world.h1.id}", headers=h).status_code == 404
    me = client.get("/api/v1/me", headers=h).json
    assert me["linked_member"]["id"] == world.member1.id
    assert login(client, "13912345678", "resident-pass-1").status_code == 200


def test_bind_household_bad_input_creates_nobody(client, world):
    before = db.session.scalar(select(func.count()).select_from(User))
    good = {"card_code": world.h2.card_code, "phone": "13912345678", "password": "resident-pass-1", "name": "赵"}
    cases = [
        ({**good, "card_code": "ZZZZZZZZZZZZ"}, 422, "card_code"),
        ({**good, "phone": "12345"}, 422, "phone"),
        ({**good, "password": "1234567"}, 422, "password"),
        ({k: v for k, v in good.items() if k != "name"}, 422, "name"),
    ]
    for body, status, field in cases:
        r = client.post("/api/v1/auth/bind-household", json=body)
        assert r.status_code == status and field in r.json["errors"], (body, r.json)
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert client.post("/api/v1/auth/bind-household", json=good).status_code == 201
    r = client.post("/api/v1/auth/bind-household", json={**good, "name": "又一次"})
    assert r.status_code == 409 and "phone" in r.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(User)) == before + 1


def test_rotated_card_code(client, world):
    old = world.h4.card_code
    new = client.post(f"/api/v1/households/{world.h4.id}/card-code", headers=world.headers("admin")).json["card_code"]
    body = {"phone": "13700001111", "password": "resident-pass-1", "name": "钱"}
    r = client.post("/api/v1/auth/bind-household", json={**body, "card_code": old})
    assert r.status_code == 422 and "card_code" in r.json["errors"]
    r = client.post("/api/v1/auth/bind-household", json={**body, "card_code": new})
    assert r.status_code == 201 and r.json["user"]["household_id"] == world.h4.id


def test_card_codes_are_unguessable(world):
    codes = db.session.scalars(select(Household.card_code)).all()
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 12 and c.isalnum() and c.upper() == c for c in codes)


def test_me_by_role(client, world):
    me = client.get("/api/v1/me", headers=world.headers("member1")).json
    assert me["roles"] == ["member"] and me["household_count"] == 3 and me["leader"]["id"] == world.leader1.id
    assert me["over_capacity"] is False and me["member_id"] == world.member1.id
    me = client.get("/api/v1/me", headers=world.headers("leader1")).json
    assert me["led_member_count"] == 2 and set(me["roles"]) == {"member", "leader"}
    me = client.get("/api/v1/me", headers=world.headers("resident2")).json
    assert me["linked_member"]["id"] == world.member3.id and me["org_unit_id"] == world.m2a.id
    me = client.get("/api/v1/me", headers=world.headers("dept1")).json
    assert me["department_id"] == world.dept.id and me.get("household_count") is None
    me = client.get("/api/v1/me", headers=world.headers("sec1")).json
    assert me["org_unit_name"] == "第一网格"


def test_blank_names_are_refused_after_trimming(client, world):
    before = db.session.scalar(select(func.count()).select_from(User))
    r = client.post("/api/v1/auth/bind-household", json={"card_code": world.h2.card_code, "phone": "13912345678",
                                                         "password": "resident-pass-1", "name": "   "})
    assert r.status_code == 422 and "name" in r.json["errors"]
    r = client.post("/api/v1/users", json={"username": "  ab  ", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 422 and "username" in r.json["errors"]
    r = client.post("/api/v1/users", json={"username": "okname", "name": "  ", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    assert r.status_code == 422 and "name" in r.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_phone_digits_are_ascii_and_usernames_fold_case_in_the_database(client, world):
    body = {"card_code": world.h2.card_code, "password": "resident-pass-1", "name": "赵"}
    r = client.post("/api/v1/auth/bind-household", json={**body, "phone": "１３９１２３４５６７８"})  # full-width
    assert r.status_code == 422 and "phone" in r.json["errors"]
    from tests.factories import UserFactory
    UserFactory(username="Élan", roles=["member"])
    db.session.commit()
    assert login(client, "Élan", "test-pass-123").status_code == 200
    r = client.patch(f"/api/v1/users/{world.sec1.id}", json={"name": "   "}, headers=world.headers("admin"))
    assert r.status_code == 422 and "name" in r.json["errors"]
