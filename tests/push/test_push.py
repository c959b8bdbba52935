"""Web Push end to end: subscriptions, reminders, the outbox and the worker against a real
(local) push service that verifies VAPID and decrypts every message."""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from server.common.types import utcnow
from server.extensions import db
from server.push.models import PushMessage, PushSubscription, Reminder
from server.push.rules import scan
from server.push.sender import send_pending
from server.push.services import deliver_at
from server.requests.models import Request
from tests import factories as f
from tests.push.pushservice import PushService, b64d


@pytest.fixture
def push(client):
    key = client.get("/api/v1/push/vapid-public-key").json["public_key"]
    service = PushService(key)
    yield service
    service.close()


def subscribe(client, world, who, push, name=None, quiet=False):
    sub = push.subscription(name or who)
    r = client.post("/api/v1/push/subscriptions", json=sub, headers=world.headers(who))
    assert r.status_code == 201, r.json
    if not quiet:  # no quiet hours, so the test does not depend on the time of day
        client.patch("/api/v1/me/settings", json={"quiet_start": "00:00", "quiet_end": "00:00"},
                     headers=world.headers(who))
    return sub


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_vapid_key_is_public_and_stable(client):
    a = client.get("/api/v1/push/vapid-public-key")
    assert a.status_code == 200
    raw = b64d(a.json["public_key"])
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point
    assert client.get("/api/v1/push/vapid-public-key").json == a.json


def test_subscriptions_update_never_duplicate(client, world, push):
    sub = subscribe(client, world, "member1", push)
    again = dict(sub, keys=push.subscription("member1")["keys"])
    r = client.post("/api/v1/push/subscriptions", json=again, headers=world.headers("member1"))
    assert r.status_code == 201
    assert count(PushSubscription) == 1
    assert db.session.scalar(select(PushSubscription.p256dh)) == again["keys"]["p256dh"]
    subscribe(client, world, "member1", push, name="phone2")  # a second device
    assert count(PushSubscription, PushSubscription.user_id == world.member1.user_id) == 2
    r = client.delete("/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]}, headers=world.headers("sec1"))
    assert r.status_code == 404  # not theirs
    r = client.delete("/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]},
                      headers=world.headers("member1"))
    assert r.status_code == 204 and count(PushSubscription) == 1


def test_bad_subscriptions_are_422(client, world, push):
    sub = push.subscription("x")
    h = world.headers("member1")
    cases = [
        ({k: v for k, v in sub.items() if k != "keys"}, "keys"),
        ({**sub, "keys": {"p256dh": sub["keys"]["p256dh"]}}, "keys"),
        ({**sub, "endpoint": "http://push.example.com/abc"}, "endpoint"),          # not https, not local
        ({**sub, "endpoint": "ftp://push.example.com/abc"}, "endpoint"),
        ({**sub, "endpoint": "https://push.example.com/" + "a" * 1100}, "endpoint"),
        ({**sub, "keys": {"p256dh": "不是密钥" * 5, "auth": sub["keys"]["auth"]}}, "keys"),
        ({**sub, "keys": {"p256dh": sub["keys"]["p256dh"], "auth": "a" * 65}}, "keys"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/push/subscriptions", json=body, headers=h)
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)
    assert count(PushSubscription) == 0
    ok = {**sub, "endpoint": "https://fcm.googleapis.com/fcm/send/abc"}
    assert client.post("/api/v1/push/subscriptions", json=ok, headers=h).status_code == 201


def test_dispatch_reaches_the_phone_end_to_end(client, world, push):
    subscribe(client, world, "member1", push)
    r = client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                    headers=world.headers("sec1"))
    assert r.status_code == 200
    # the reminder and its outbox row were written with the dispatch
    inbox = client.get("/api/v1/inbox", headers=world.headers("member1")).json
    assert inbox["items"][0]["title"] == "新派单" and inbox["unread"] == 2
    assert count(PushMessage, PushMessage.status == "pending") == 1
    counts = send_pending()
    assert counts["sent"] == 1 and not push.rejected
    [msg] = push.received
    assert msg["payload"]["title"] == "新派单"
    assert msg["payload"]["url"] == f"/#/requests/{world.r1.id}"
    assert world.r1.title in msg["payload"]["body"]
    assert msg["ttl"] > 0 and msg["claims"]["sub"].startswith("mailto:")
    assert count(PushMessage, PushMessage.status == "sent") == 1
    assert send_pending() == {"sent": 0, "retry": 0, "failed": 0, "gone": 0}  # nothing twice


def test_resolution_reaches_the_resident(client, world, push):
    subscribe(client, world, "resident2", push)
    r = client.post(f"/api/v1/requests/{world.r5.id}/acknowledge", json={}, headers=world.headers("dept1"))
    r = client.post(f"/api/v1/requests/{world.r5.id}/resolve", json={"note": "已办结"},
                    headers=world.headers("dept1"))
    assert r.status_code == 200
    send_pending()
    assert [m["payload"]["title"] for m in push.received] == ["诉求已办结"]


def test_rule_scan_dedupes_per_day(client, world, push):
    subscribe(client, world, "member1", push)
    f.visit(world.member1, world.h2, days_ago=40)
    from server.visits.cadence import refresh_due
    refresh_due(last_visit=True)
    db.session.commit()
    first = scan()
    assert first["visit_due"] >= 1
    again = scan()
    assert again == {"visit_due": 0, "request_overdue": 0}
    digests = db.session.scalars(select(Reminder).where(Reminder.rule == "visit_due",
                                                        Reminder.user_id == world.member1.user_id,
                                                        Reminder.period_key != "d1")).all()
    assert len(digests) == 1
    assert "1 户已逾期" in digests[0].body
    send_pending()
    assert [m["payload"]["tag"] for m in push.received] == ["visit_due"]
    # the next day brings a new digest
    assert scan(now=utcnow() + timedelta(days=1))["visit_due"] >= 1


def test_overdue_requests_remind_assignee_then_secretary(client, world):
    db.session.execute(update(Request).where(Request.id == world.r4.id).values(due_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    scan()
    who = set(db.session.scalars(select(Reminder.user_id).where(Reminder.rule == "request_overdue")))
    assert who == {world.member2.user_id}
    db.session.execute(update(Request).where(Request.id == world.r4.id).values(due_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    scan(now=utcnow() + timedelta(days=1))
    who = set(db.session.scalars(select(Reminder.user_id).where(Reminder.rule == "request_overdue")))
    assert who == {world.member2.user_id, world.sec1.id}


def test_quiet_hours_delay_the_push_not_the_inbox(client, world, push):
    subscribe(client, world, "member1", push, quiet=True)
    client.patch("/api/v1/me/settings", json={"quiet_start": "00:00", "quiet_end": "23:59"},
                 headers=world.headers("member1"))
    client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                headers=world.headers("sec1"))
    assert client.get("/api/v1/inbox", headers=world.headers("member1")).json["unread"] == 2
    assert send_pending()["sent"] == 0 and push.received == []
    later = db.session.scalar(select(PushMessage.next_attempt_at))
    assert later > utcnow()
    assert send_pending(now=later + timedelta(seconds=1))["sent"] == 1
    assert len(push.received) == 1


def test_deliver_at_rules():
    tz = timezone(timedelta(hours=8))
    at = lambda h, m: datetime(2026, 11, 22, h, m, tzinfo=tz).astimezone(timezone.utc)  # noqa: E731
    assert deliver_at(at(22, 0), "21:30", "07:30") == datetime(2026, 11, 23, 7, 30, tzinfo=tz)
    assert deliver_at(at(3, 0), "21:30", "07:30") == datetime(2026, 11, 22, 7, 30, tzinfo=tz)
    assert deliver_at(at(12, 0), "21:30", "07:30") == at(12, 0)
    assert deliver_at(at(12, 0), "12:00", "13:00") == datetime(2026, 11, 22, 13, 0, tzinfo=tz)
    assert deliver_at(at(21, 29), "21:30", "07:30") == at(21, 29)


def test_switches_keep_the_inbox_but_not_the_push(client, world, push):
    subscribe(client, world, "member1", push)
    r = client.patch("/api/v1/me/settings", json={"muted_rules": ["request_dispatched"]},
                     headers=world.headers("member1"))
    assert r.status_code == 200 and r.json["muted_rules"] == ["request_dispatched"]
    client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                headers=world.headers("sec1"))
    assert count(PushMessage) == 0
    assert client.get("/api/v1/inbox", headers=world.headers("member1")).json["total"] == 2
    r = client.patch("/api/v1/me/settings", json={"muted_rules": ["no_such_rule"]}, headers=world.headers("member1"))
    assert r.status_code == 422
    r = client.patch("/api/v1/me/settings", json={"quiet_start": "25:00"}, headers=world.headers("member1"))
    assert r.status_code == 422


def test_retry_with_backoff_then_success(app, client, world, push):
    subscribe(client, world, "member1", push)
    push.behaviour["member1"] = 500
    client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                headers=world.headers("sec1"))
    assert send_pending()["retry"] == 1
    msg = db.session.scalar(select(PushMessage))
    assert msg.status == "pending" and msg.attempts == 1 and msg.next_attempt_at > utcnow()
    first_delay = msg.next_attempt_at
    assert send_pending()["sent"] == 0  # not before its time
    assert send_pending(now=first_delay + timedelta(seconds=1))["retry"] == 1
    db.session.expire_all()
    msg = db.session.scalar(select(PushMessage))
    assert msg.attempts == 2 and msg.next_attempt_at - utcnow() > timedelta(seconds=45)  # backoff doubled
    push.behaviour["member1"] = 201
    assert send_pending(now=msg.next_attempt_at + timedelta(seconds=1))["sent"] == 1
    assert len(push.received) == 1


def test_gone_subscription_is_removed(client, world, push):
    subscribe(client, world, "member1", push)
    push.behaviour["member1"] = 410
    client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                headers=world.headers("sec1"))
    assert send_pending()["gone"] == 1
    assert count(PushSubscription) == 0
    assert db.session.scalar(select(PushMessage.status)) == "gone"


def test_a_hanging_push_service_does_not_block_the_others(app, client, world, push):
    subscribe(client, world, "member1", push, name="slow")
    subscribe(client, world, "member1", push, name="fast")
    push.behaviour["slow"] = ("hang", 3)
    app.config["PUSH_TIMEOUT_SECONDS"] = 0.5
    try:
        client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id},
                    headers=world.headers("sec1"))
        started = time.monotonic()
        counts = send_pending()
        elapsed = time.monotonic() - started
    finally:
        app.config["PUSH_TIMEOUT_SECONDS"] = 10
    assert counts["sent"] == 1 and counts["retry"] == 1
    assert elapsed < 2.5  # the 3-second hang was cut at the 0.5-second timeout, in parallel with the other
    assert [m["name"] for m in push.received] == ["fast"]  # the slow one's answer never came in time
    slow = db.session.scalar(select(PushMessage).join(PushSubscription).where(PushSubscription.endpoint.like("%/slow")))
    assert slow.status == "pending" and slow.attempts == 1 and "Timeout" in slow.last_error


def test_two_workers_never_send_twice(app, client, world, push):
    subscribe(client, world, "member1", push)
    from server.push.services import remind
    for i in range(40):
        remind(user_id=world.member1.user_id, rule="visit_due", subject_key=f"s{i}", period_key="p",
               title="t", body=f"message {i}", url="/")
    db.session.commit()
    totals = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            n = 0
            while True:
                c = send_pending(limit=7)
                n += c["sent"]
                if not any(c.values()):
                    break
            totals.append(n)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = [m["payload"]["body"] for m in push.received]
    assert len(bodies) == 40 and len(set(bodies)) == 40
    assert sum(totals) == 40
    assert count(PushMessage, PushMessage.status == "sent") == 40


def test_inbox_read_and_isolation(client, world):
    h = world.headers("member1")
    r = client.post(f"/api/v1/inbox/{world.rem_resident1}/read", headers=h)
    assert r.status_code == 404
    r = client.post(f"/api/v1/inbox/{world.rem_member1}/read", headers=h)
    assert r.status_code == 200 and r.json["read_at"] is not None
    assert client.get("/api/v1/inbox", headers=h).json["unread"] == 0
    assert client.get("/api/v1/inbox", headers=world.headers("resident1")).json["unread"] == 1
    assert client.post("/api/v1/inbox/read-all", headers=world.headers("resident1")).status_code == 204
    assert client.get("/api/v1/inbox", headers=world.headers("resident1")).json["unread"] == 0


def test_settings_roundtrip_and_language(client, world):
    r = client.get("/api/v1/me/settings", headers=world.headers("member1"))
    assert r.json == {"locale": "zh-CN", "push_enabled": True, "quiet_start": "21:30", "quiet_end": "07:30",
                      "muted_rules": []}
    r = client.patch("/api/v1/me/settings", json={"locale": "en", "push_enabled": False},
                     headers=world.headers("member1"))
    assert r.json["locale"] == "en" and r.json["push_enabled"] is False
    from server.push.rules import text
    assert text("visit_due", "en", due=2, overdue=1)[0] == "Visits due"
