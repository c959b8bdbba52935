"""The VAPID header cache of the sender: one token per push service, renewed before it expires."""
import base64
import json
import time

from py_vapid import Vapid

from server.push.sender import VapidHeaders


def claims(headers: dict) -> dict:
    token = headers["Authorization"].split(" ")[1].split(",")[0].removeprefix("t=")
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_one_token_per_push_service_renewed_before_expiry(monkeypatch):
    signer = Vapid()
    signer.generate_keys()
    cache = VapidHeaders(signer, "mailto:ops@example.org")
    a1 = cache.for_endpoint("https://fcm.googleapis.com/fcm/send/abc")
    a2 = cache.for_endpoint("https://fcm.googleapis.com/fcm/send/def")
    b = cache.for_endpoint("https://updates.push.services.mozilla.com/wpush/v2/xyz")
    assert a1 is a2 and a1 != b
    assert claims(a1)["aud"] == "https://fcm.googleapis.com"
    assert claims(b)["aud"] == "https://updates.push.services.mozilla.com"
    assert claims(a1)["sub"] == "mailto:ops@example.org"
    exp = claims(a1)["exp"]
    assert exp - time.time() > VapidHeaders.LIFETIME - 60
    # eleven hours and a bit later the token has less than the margin left: a new one is signed
    later = time.time() + VapidHeaders.LIFETIME - VapidHeaders.MARGIN + 1
    monkeypatch.setattr(time, "time", lambda: later)
    renewed = cache.for_endpoint("https://fcm.googleapis.com/fcm/send/abc")
    assert renewed is not a1 and claims(renewed)["exp"] > exp
