"""Login throttling: failed logins are limited per username and per address (flask-limiter evaluates the
callable limits on every request, so app.config changes take effect at once)."""
import re

import pytest

from tests.factories import PASSWORD

SHAPE = {"status", "message", "errors"}
WINDOW = 15 * 60


def post_login(client, username, password=PASSWORD, addr="127.0.0.1", **headers):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       headers=headers, environ_base={"REMOTE_ADDR": addr})


def assert_limited(r, lang="zh"):
    assert r.status_code == 429, (r.status_code, r.json)
    assert set(r.json) == SHAPE and r.json["status"] == 429 and r.json["errors"] == {}
    retry = r.headers["Retry-After"]
    assert retry.isdigit(), retry
    seconds = int(retry)
    assert 0 < seconds <= WINDOW
    pattern = r"请 (\d+) 秒后再试" if lang == "zh" else r"Try again in (\d+) seconds"
    m = re.search(pattern, r.json["message"])
    assert m, r.json["message"]
    assert abs(int(m.group(1)) - seconds) <= 1  # the message and the header agree
    return seconds


@pytest.fixture
def limits(app, monkeypatch):
    def set_(per_username=None, per_address=None):
        if per_username:
            monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_USERNAME", per_username)
        if per_address:
            monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", per_address)
    return set_


def test_default_limits_are_configured(app):
    assert app.config["LOGIN_LIMIT_PER_USERNAME"] == "5 per 15 minutes"
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"


def test_repeated_failures_for_one_username_are_limited(client, world, limits):
    limits(per_username="3 per 15 minutes")
    for _ in range(3):
        assert post_login(client, "member1", "wrong-password").status_code == 401
    assert_limited(post_login(client, "member1", "wrong-password"))
    # while limited, even the right password is refused, and no session is started
    r = post_login(client, "member1")
    assert_limited(r)
    assert "access_token" not in r.json
    assert_limited(client.post("/api/v1/auth/login", json={"username": "member1", "password": PASSWORD},
                               headers={"Accept-Language": "en"}), "en")
    # other accounts are not affected
    assert post_login(client, "member2").status_code == 200


def test_default_username_limit_is_five_failures(client, world):
    for _ in range(5):
        assert post_login(client, "sec2", "wrong-password").status_code == 401
    assert_limited(post_login(client, "sec2"))


def test_username_limit_ignores_case_spacing_and_address(client, world, limits):
    limits(per_username="3 per 15 minutes")
    for typed, addr in (("member1", "10.0.0.1"), ("MEMBER1", "10.0.0.2"), ("  Member1 ", "10.0.0.3")):
        assert post_login(client, typed, "wrong-password", addr=addr).status_code == 401
    assert_limited(post_login(client, "member1", addr="10.0.0.4"))


def test_unknown_usernames_are_limited_too(client, world, limits):
    limits(per_username="2 per 15 minutes")
    for _ in range(2):
        assert post_login(client, "ghost", "x-password").status_code == 401
    assert_limited(post_login(client, "ghost", "x-password"))


def test_failures_for_many_usernames_from_one_address_are_limited(client, world, limits):
    limits(per_address="4 per 15 minutes")
    for i in range(4):
        assert post_login(client, f"ghost{i}", "wrong-password").status_code == 401
    assert_limited(post_login(client, "ghost-new", "wrong-password"))
    # the address is limited for everyone, a right password included
    assert_limited(post_login(client, "member1"))
    # another address is not
    r = post_login(client, "member2", addr="10.9.8.7")
    assert r.status_code == 200 and r.json["access_token"]


def test_successful_logins_do_not_count(client, world, limits):
    limits(per_username="2 per 15 minutes", per_address="2 per 15 minutes")
    for _ in range(6):
        assert post_login(client, "member1").status_code == 200
    # the counters are still empty: two failures are allowed before the limit
    for _ in range(2):
        assert post_login(client, "member1", "wrong-password").status_code == 401
    assert_limited(post_login(client, "member1"))


def test_invalid_input_does_not_count(client, world, limits):
    limits(per_username="2 per 15 minutes", per_address="2 per 15 minutes")
    for _ in range(4):
        assert client.post("/api/v1/auth/login", json={"username": "member1"}).status_code == 422
        assert client.post("/api/v1/auth/login", data="{oops", content_type="application/json").status_code == 400
    assert post_login(client, "member1").status_code == 200


def test_limits_apply_to_login_only(client, world, limits):
    limits(per_username="1 per 15 minutes", per_address="1 per 15 minutes")
    h = world.headers("member2")  # logged in before the failures
    assert post_login(client, "member1", "wrong-password").status_code == 401
    assert_limited(post_login(client, "member2"))
    for _ in range(3):
        assert client.get("/api/v1/me", headers=h).status_code == 200


def test_changed_limit_applies_on_the_next_request(client, world, limits):
    limits(per_username="10 per 15 minutes")
    for _ in range(3):
        assert post_login(client, "member1", "wrong-password").status_code == 401
    assert post_login(client, "member1").status_code == 200
    # The callable limit is read on every request. Counters are kept per limit (the amount is part of
    # the storage key), so the new limit counts from zero.
    limits(per_username="2 per 15 minutes")
    for _ in range(2):
        assert post_login(client, "member1", "wrong-password").status_code == 401
    assert_limited(post_login(client, "member1"))


def test_bind_household_is_limited_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "BIND_LIMIT_PER_ADDRESS", "2 per 15 minutes")
    good = {"card_code": world.h2.card_code, "phone": "13911112222", "password": "resident-pass-1", "name": "孙"}
    assert client.post("/api/v1/auth/bind-household", json=good).status_code == 201  # successes do not count
    bad = {**good, "card_code": "ZZZZZZZZZZZZ", "phone": "13911113333"}
    for _ in range(2):
        assert client.post("/api/v1/auth/bind-household", json=bad).status_code == 422
    assert_limited(client.post("/api/v1/auth/bind-household", json={**good, "phone": "13911114444"}))
    other = client.post("/api/v1/auth/bind-household", json={**good, "phone": "13911114444"},
                        environ_base={"REMOTE_ADDR": "10.4.4.4"})
    assert other.status_code == 201
