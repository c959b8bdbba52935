"""Access and refresh tokens: refresh, logout, expiry, bad tokens; a login session ends them all."""
import uuid
from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import select, update

from server.auth.models import AuthSession, User
from server.common.types import utcnow
from server.extensions import db
from tests.factories import PASSWORD

SHAPE = {"status", "message", "errors"}
ENDED = "登录已过期或已退出，请重新登录。"
INVALID = "登录凭证无效，请重新登录。"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def tokens_for(client, username="member1"):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    return r.json


def me(client, token, **headers):
    return client.get("/api/v1/me", headers={**bearer(token), **headers})


def assert_401(r, message=None):
    assert r.status_code == 401, (r.status_code, r.json)
    assert set(r.json) == SHAPE and r.json["status"] == 401 and r.json["errors"] == {}
    if message:
        assert r.json["message"] == message


def new_session(user_id) -> str:
    sid = uuid.uuid4().hex
    db.session.add(AuthSession(id=sid, user_id=user_id))
    db.session.commit()
    return sid


# ---- refresh ---------------------------------------------------------------------

def test_refresh_gives_a_working_access_token_of_the_same_session(app, client, world):
    t = tokens_for(client)
    r = client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"]))
    assert r.status_code == 200
    assert set(r.json) == {"access_token"}
    new = r.json["access_token"]
    assert new != t["access_token"]
    ok = me(client, new)
    assert ok.status_code == 200 and ok.json["id"] == world.member1.user_id
    claims = decode_token(new)
    assert claims["type"] == "access" and claims["sid"] == decode_token(t["refresh_token"])["sid"]
    # the refresh token can be used again while the session lives
    assert client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"])).status_code == 200


def test_an_access_token_cannot_refresh(client, world):
    t = tokens_for(client)
    assert_401(client.post("/api/v1/auth/refresh", headers=bearer(t["access_token"])), INVALID)


def test_a_refresh_token_is_not_an_access_token(client, world):
    t = tokens_for(client)
    assert_401(me(client, t["refresh_token"]), INVALID)
    assert_401(client.get("/api/v1/households", headers=bearer(t["refresh_token"])))


def test_refresh_needs_a_token(client, world):
    assert_401(client.post("/api/v1/auth/refresh"), "请先登录。")


def test_refresh_after_logout_is_401(client, world):
    t = tokens_for(client)
    assert client.post("/api/v1/auth/logout", headers=bearer(t["access_token"])).status_code == 204
    assert_401(client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"])), ENDED)


def test_access_token_from_refresh_dies_with_the_session(client, world):
    t = tokens_for(client)
    fresh = client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"])).json["access_token"]
    assert client.post("/api/v1/auth/logout", headers=bearer(fresh)).status_code == 204
    assert_401(me(client, t["access_token"]), ENDED)
    assert_401(me(client, fresh), ENDED)


def test_refresh_of_a_deactivated_account_is_401(client, world):
    t = tokens_for(client, "member2")
    db.session.execute(update(User).where(User.id == world.member2.user_id).values(is_active=False))
    db.session.commit()
    assert_401(client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"])))
    assert_401(me(client, t["access_token"]))


# ---- logout ----------------------------------------------------------------------

def test_logout_revokes_the_session(client, world):
    t = tokens_for(client)
    assert me(client, t["access_token"]).status_code == 200
    r = client.post("/api/v1/auth/logout", headers=bearer(t["access_token"]))
    assert r.status_code == 204 and r.get_data() == b""
    sid = decode_token(t["access_token"])["sid"]
    assert db.session.get(AuthSession, sid).revoked_at is not None
    assert_401(me(client, t["access_token"]), ENDED)
    assert_401(me(client, t["access_token"], **{"Accept-Language": "en"}),
               "Your session has expired or was ended. Please log in again.")
    # a second logout with the same token is refused too
    assert_401(client.post("/api/v1/auth/logout", headers=bearer(t["access_token"])), ENDED)


def test_logout_with_the_refresh_token(client, world):
    t = tokens_for(client)
    assert client.post("/api/v1/auth/logout", headers=bearer(t["refresh_token"])).status_code == 204
    assert_401(me(client, t["access_token"]), ENDED)
    assert_401(client.post("/api/v1/auth/refresh", headers=bearer(t["refresh_token"])), ENDED)


def test_logout_ends_only_that_session(client, world):
    phone = tokens_for(client)
    laptop = tokens_for(client)
    other_user = tokens_for(client, "member2")
    assert client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"])).status_code == 204
    assert_401(me(client, phone["access_token"]))
    assert me(client, laptop["access_token"]).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers=bearer(laptop["refresh_token"])).status_code == 200
    assert me(client, other_user["access_token"]).status_code == 200
    # and a new login works as usual
    assert me(client, tokens_for(client)["access_token"]).status_code == 200


def test_logout_is_allowed_before_the_initial_password_is_changed(client, world):
    db.session.execute(update(User).where(User.id == world.member1.user_id).values(must_change_password=True))
    db.session.commit()
    t = tokens_for(client)
    assert client.get("/api/v1/households", headers=bearer(t["access_token"])).status_code == 403
    assert client.post("/api/v1/auth/logout", headers=bearer(t["access_token"])).status_code == 204
    assert_401(me(client, t["access_token"]))


def test_logout_without_a_token_is_401(client, world):
    assert_401(client.post("/api/v1/auth/logout"), "请先登录。")


# ---- expired, forged and missing tokens ---------------------------------------------

def test_expired_access_token_is_401(app, client, world):
    sid = new_session(world.member1.user_id)
    with app.test_request_context():
        expired = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": sid},
                                      expires_delta=timedelta(seconds=-1))
        fine = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": sid})
    assert me(client, fine).status_code == 200  # the session itself is live
    assert_401(me(client, expired), ENDED)
    assert_401(client.post("/api/v1/auth/logout", headers=bearer(expired)))
    assert db.session.get(AuthSession, sid).revoked_at is None  # an expired token cannot log out


def test_expired_refresh_token_is_401(app, client, world):
    sid = new_session(world.member1.user_id)
    with app.test_request_context():
        expired = create_refresh_token(identity=str(world.member1.user_id), additional_claims={"sid": sid},
                                       expires_delta=timedelta(seconds=-1))
    assert_401(client.post("/api/v1/auth/refresh", headers=bearer(expired)), ENDED)


def test_token_without_a_session_or_with_someone_elses_session_is_401(app, client, world):
    other_sid = new_session(world.member2.user_id)
    with app.test_request_context():
        no_sid = create_access_token(identity=str(world.member1.user_id))
        unknown_sid = create_access_token(identity=str(world.member1.user_id),
                                          additional_claims={"sid": uuid.uuid4().hex})
        mixed = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": other_sid})
    for token in (no_sid, unknown_sid, mixed):
        assert_401(me(client, token))


def test_token_signed_with_another_key_is_401(app, client, world):
    sid = new_session(world.member1.user_id)
    claims = decode_token(tokens_for(client)["access_token"])
    claims["sid"] = sid
    forged = pyjwt.encode(claims, "some-other-secret-0123456789-abcdefghijkl", algorithm="HS256")
    assert_401(me(client, forged), INVALID)
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    assert_401(me(client, unsigned))


@pytest.mark.parametrize("header", ["Bearer not.a.token", "Bearer garbage", "Bearer ", "Bearer",
                                    "Basic bWVtYmVyMTp0ZXN0", "Token abc.def.ghi"])
def test_garbage_authorization_is_401(client, world, header):
    r = client.get("/api/v1/me", headers={"Authorization": header})
    assert_401(r)


def test_no_token_is_401(client, world):
    assert_401(client.get("/api/v1/me"), "请先登录。")
    assert_401(client.get("/api/v1/me", headers={"Accept-Language": "en"}), "Authentication required.")
    assert_401(client.get("/api/v1/households"))


def test_revoked_sessions_are_checked_on_every_request(client, world):
    t = tokens_for(client)
    assert me(client, t["access_token"]).status_code == 200
    sid = decode_token(t["access_token"])["sid"]
    db.session.execute(update(AuthSession).where(AuthSession.id == sid).values(revoked_at=utcnow()))
    db.session.commit()
    assert_401(me(client, t["access_token"]), ENDED)
    assert db.session.scalar(select(AuthSession.user_id).where(AuthSession.id == sid)) == world.member1.user_id


# ---- the cache of verified tokens ------------------------------------------------------

def test_a_verified_token_is_kept_only_until_it_expires(app, client, world):
    """Claims are kept under the exact token string, and only until its exp: a cached token that
    expires is refused like any expired token; a changed signature is never a cache hit."""
    import time

    sid = new_session(world.member1.user_id)
    with app.test_request_context():
        short = create_access_token(identity=str(world.member1.user_id), additional_claims={"sid": sid},
                                    expires_delta=timedelta(seconds=2))
    assert me(client, short).status_code == 200
    cache = app.extensions["linkage.verified_tokens"]
    assert short in cache
    head, body, signature = short.split(".")
    tampered = ".".join((head, body, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")))
    assert_401(me(client, tampered), INVALID)
    assert tampered not in cache
    time.sleep(2.5)  # real time: the cache and PyJWT must agree on the clock
    assert_401(me(client, short), ENDED)


def test_a_cached_token_still_dies_with_its_session(client, world):
    t = tokens_for(client)
    for _ in range(2):
        assert me(client, t["access_token"]).status_code == 200  # the second one from the cache
    assert client.post("/api/v1/auth/logout", headers=bearer(t["access_token"])).status_code == 204
    assert_401(me(client, t["access_token"]), ENDED)


def test_tokens_are_cached_per_app(app, client, world, tmp_path):
    """Another app (another secret) verifies for itself: a token cached by one is not taken by the other."""
    from server import create_app

    t = tokens_for(client)["access_token"]
    assert me(client, t).status_code == 200 and t in app.extensions["linkage.verified_tokens"]
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "JWT_SECRET_KEY": "another-secret-for-another-app-0123456789",
                        "RATELIMIT_STORAGE_URI": "memory://"}, instance_path=str(tmp_path / "instance"))
    assert_401(other.test_client().get("/api/v1/me", headers=bearer(t)), INVALID)
