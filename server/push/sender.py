"""The push worker's half: claim due outbox rows, send them concurrently (asyncio + aiohttp, as
pywebpush offers), record what happened.

Several workers may run at once: on PostgreSQL the claim skips rows another worker holds
(FOR UPDATE SKIP LOCKED), and on every database the claim is a conditional UPDATE … RETURNING,
so a row is only ever sent by the worker that moved it to "sending". A worker that dies leaves
its rows "sending" until their lease ends; then they are claimable again.
"""
import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlparse

import aiohttp
from flask import current_app
from pywebpush import WebPushException, webpush_async
from sqlalchemy import and_, or_, select, update

from server.common.types import utcnow
from server.extensions import db
from server.push.keys import vapid
from server.push.models import PushMessage, PushSubscription, Reminder

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)


def _claimable(now):
    return or_(and_(PushMessage.status == "pending", PushMessage.next_attempt_at <= now),
               and_(PushMessage.status == "sending", PushMessage.lease_until < now))


def claim(*, limit: int, now) -> list[int]:
    """Move up to ``limit`` due messages to "sending" for this worker; returns their ids."""
    candidates = db.session.scalars(
        select(PushMessage.id).where(_claimable(now)).order_by(PushMessage.next_attempt_at, PushMessage.id)
        .limit(limit).with_for_update(skip_locked=True)).all()
    if not candidates:
        db.session.rollback()
        return []
    ids = db.session.scalars(
        update(PushMessage).where(PushMessage.id.in_(candidates), _claimable(now))
        .values(status="sending", lease_until=now + LEASE).returning(PushMessage.id)).all()
    db.session.commit()
    return list(ids)


def classify(exc: Exception) -> tuple[str, str]:
    """What a failed send means: gone (404/410), failed for good (other 4xx), or retry later."""
    if isinstance(exc, WebPushException):
        code = exc.status_code
        if code in (404, 410):
            return "gone", f"HTTP {code}"
        if code is not None and 400 <= code < 500 and code not in (408, 425, 429):
            return "failed", f"HTTP {code}"
        return "retry", f"HTTP {code}" if code else str(exc)[:300]
    return "retry", f"{type(exc).__name__}: {exc}"[:300]  # timeouts, refused connections


class VapidHeaders:
    """The VAPID ``Authorization`` header for each push service (the JWT's audience is its origin),
    signed once and reused until an hour before it expires: RFC 8292 lets a token be reused, and
    signing every message cost a quarter of the CPU a message takes."""

    LIFETIME = 12 * 3600  # what pywebpush itself gives a token
    MARGIN = 3600

    def __init__(self, signer, subject: str):
        self.signer, self.subject, self.cache = signer, subject, {}

    def for_endpoint(self, endpoint: str) -> dict:
        url = urlparse(endpoint)
        aud = f"{url.scheme}://{url.netloc}"
        hit = self.cache.get(aud)
        now = int(time.time())
        if hit is None or hit[1] - now < self.MARGIN:
            exp = now + self.LIFETIME
            hit = self.cache[aud] = (self.signer.sign({"sub": self.subject, "aud": aud, "exp": exp}), exp)
        return hit[0]


async def send_one(job: dict, *, session: aiohttp.ClientSession, vapid_headers: VapidHeaders, ttl: int,
                   timeout: float) -> tuple[str, str | None]:
    """Encrypt (aes128gcm) and POST one message with its push service's VAPID header. Returns
    (outcome, error)."""
    try:
        await webpush_async(
            subscription_info={"endpoint": job["endpoint"], "keys": {"p256dh": job["p256dh"], "auth": job["auth"]}},
            data=job["payload"], headers=vapid_headers.for_endpoint(job["endpoint"]),  # copied, never changed
            content_encoding="aes128gcm", ttl=ttl, timeout=aiohttp.ClientTimeout(total=timeout),
            aiohttp_session=session)
        return "sent", None
    except (WebPushException, aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return classify(exc)


async def send_all(jobs: list[dict], *, signer, subject: str, ttl: int, timeout: float, concurrency: int) -> list:
    """Send concurrently on one connection pool; a slow push service holds one slot, not the others."""
    limit = asyncio.Semaphore(concurrency)
    vapid_headers = VapidHeaders(signer, subject)
    async with aiohttp.ClientSession() as session:
        async def one(job):
            async with limit:
                return await send_one(job, session=session, vapid_headers=vapid_headers, ttl=ttl, timeout=timeout)
        return await asyncio.gather(*(one(j) for j in jobs))


def run_coroutine(coro):
    """asyncio.run, also from a thread that already runs an event loop (it then gets its own thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as one:
        return one.submit(asyncio.run, coro).result()


def _jobs(ids: list[int]) -> list[dict]:
    rows = db.session.execute(
        select(PushMessage.id, PushMessage.attempts, PushMessage.subscription_id, PushSubscription.endpoint,
               PushSubscription.p256dh, PushSubscription.auth, Reminder.id, Reminder.title, Reminder.body,
               Reminder.url, Reminder.rule)
        .join(Reminder, Reminder.id == PushMessage.reminder_id)
        .outerjoin(PushSubscription, PushSubscription.id == PushMessage.subscription_id)
        .where(PushMessage.id.in_(ids))).all()
    db.session.rollback()
    return [{"id": r[0], "attempts": r[1], "subscription_id": r[2], "endpoint": r[3], "p256dh": r[4],
             "auth": r[5], "payload": json.dumps({"id": r[6], "title": r[7], "body": r[8], "url": r[9],
                                                  "tag": r[10]}, ensure_ascii=False)} for r in rows]


def send_pending(*, limit: int = 500, now=None) -> dict:
    """Drain once: claim due messages and send them concurrently. Returns counts by outcome."""
    cfg = current_app.config
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0, "gone": 0}
    ids = claim(limit=limit, now=now)
    if not ids:
        return counts
    jobs = _jobs(ids)
    signer, subject = vapid(), cfg["VAPID_SUBJECT"]
    ttl, timeout = cfg["PUSH_TTL_SECONDS"], cfg["PUSH_TIMEOUT_SECONDS"]
    sendable = [j for j in jobs if j["subscription_id"] is not None]
    outcomes = run_coroutine(send_all(sendable, signer=signer, subject=subject, ttl=ttl, timeout=timeout,
                                      concurrency=cfg["PUSH_POOL_SIZE"]))
    results = {j["id"]: o for j, o in zip(sendable, outcomes)}
    for j in jobs:
        results.setdefault(j["id"], ("gone", "subscription removed"))
    _record(jobs, results)
    for outcome, _ in results.values():
        counts[outcome] += 1
    return counts


def _record(jobs: list[dict], results: dict) -> None:
    cfg = current_app.config
    now = utcnow()
    gone_subs = set()
    for j in jobs:
        outcome, error = results[j["id"]]
        attempts = j["attempts"] + 1
        values = {"attempts": attempts, "lease_until": None, "last_error": error}
        if outcome == "sent":
            values |= {"status": "sent", "sent_at": now}
        elif outcome == "retry" and attempts < cfg["PUSH_MAX_ATTEMPTS"]:
            delay = min(timedelta(seconds=cfg["PUSH_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1)), MAX_BACKOFF)
            values |= {"status": "pending", "next_attempt_at": now + delay}
        elif outcome == "gone":
            values |= {"status": "gone"}
            if j["subscription_id"] is not None:
                gone_subs.add(j["subscription_id"])
        else:
            values |= {"status": "failed"}
        db.session.execute(update(PushMessage).where(PushMessage.id == j["id"]).values(**values))
    sent_subs = {j["subscription_id"] for j in jobs if results[j["id"]][0] == "sent"}
    if sent_subs:
        db.session.execute(update(PushSubscription).where(PushSubscription.id.in_(sent_subs))
                           .values(last_success_at=now))
    if gone_subs:
        # the push service says this device is gone: forget it, and what was still queued for it
        db.session.execute(update(PushMessage).where(PushMessage.subscription_id.in_(gone_subs),
                                                     PushMessage.status == "pending").values(status="gone"))
        db.session.execute(PushSubscription.__table__.delete().where(PushSubscription.id.in_(gone_subs)))
        log.info("removed %d push subscriptions the push service reported gone", len(gone_subs))
    db.session.commit()
