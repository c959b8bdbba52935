"""Reminders: the inbox row, deduplicated; push messages for each device, after quiet hours."""
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from server.common.errors import field_error
from server.common.types import utcnow
from server.extensions import db
from server.push.models import PushMessage, PushSubscription, Reminder, UserSettings

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
DEFAULTS = {"push_enabled": True, "quiet_start": "21:30", "quiet_end": "07:30", "muted_rules": []}


def settings_for(user_id: int) -> dict:
    row = db.session.get(UserSettings, user_id)
    if row is None:
        return dict(DEFAULTS)
    return {"push_enabled": row.push_enabled, "quiet_start": row.quiet_start, "quiet_end": row.quiet_end,
            "muted_rules": list(row.muted_rules or [])}


def _hhmm(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def deliver_at(now: datetime, quiet_start: str, quiet_end: str) -> datetime:
    """``now``, or the end of the user's quiet hours (local time) when ``now`` falls inside them."""
    start, end = _hhmm(quiet_start), _hhmm(quiet_end)
    if start == end:
        return now
    local = now.astimezone(LOCAL_TZ)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return now
    end_dt = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt.astimezone(timezone.utc)


def _insert_ignore(table):
    """INSERT … ON CONFLICT DO NOTHING for the current database."""
    dialect = db.session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing()


def remind(*, user_id: int, rule: str, subject_key: str, period_key: str, title: str, body: str, url: str,
           now: datetime | None = None) -> int | None:
    """Put a reminder in the user's inbox and queue a push to each device — unless this rule,
    subject and period already reminded them. Runs in the caller's transaction. Returns the id or None."""
    now = now or utcnow()
    rid = db.session.execute(
        _insert_ignore(Reminder.__table__).values(
            user_id=user_id, rule=rule, subject_key=subject_key, period_key=period_key, title=title[:100],
            body=body[:500], url=url, created_at=now).returning(Reminder.__table__.c.id)).scalar()
    if rid is None:
        return None
    queue_push(reminder_ids_users=[(rid, user_id, rule)], now=now)
    return rid


def queue_push(*, reminder_ids_users: list[tuple[int, int, str]], now: datetime) -> int:
    """Outbox rows for each (reminder, user, rule) × the user's devices, honouring switches and quiet hours."""
    if not reminder_ids_users:
        return 0
    user_ids = {u for _, u, _ in reminder_ids_users}
    subs: dict[int, list[int]] = {}
    for sub_id, uid in db.session.execute(select(PushSubscription.id, PushSubscription.user_id)
                                          .where(PushSubscription.user_id.in_(user_ids))):
        subs.setdefault(uid, []).append(sub_id)
    if not subs:
        return 0
    custom = {s.user_id: s for s in db.session.scalars(
        select(UserSettings).where(UserSettings.user_id.in_(list(subs))))}
    default_at = deliver_at(now, DEFAULTS["quiet_start"], DEFAULTS["quiet_end"])
    rows = []
    for rid, uid, rule in reminder_ids_users:
        if uid not in subs:
            continue
        s = custom.get(uid)
        if s is not None:
            if not s.push_enabled or rule in (s.muted_rules or []):
                continue
            when = deliver_at(now, s.quiet_start, s.quiet_end)
        else:
            when = default_at
        rows += [{"reminder_id": rid, "subscription_id": sid, "status": "pending", "attempts": 0,
                  "next_attempt_at": when, "created_at": now} for sid in subs[uid]]
    if rows:
        db.session.execute(PushMessage.__table__.insert(), rows)
    return len(rows)


def check_endpoint(endpoint: str) -> None:
    """Push services are https; plain http only for a push service on this machine (tests)."""
    url = urlparse(endpoint)
    local = url.hostname in ("127.0.0.1", "localhost", "::1")
    if url.scheme != "https" and not (url.scheme == "http" and local):
        raise field_error("endpoint", "A push endpoint must be an https URL.")
    if not url.hostname:
        raise field_error("endpoint", "A push endpoint must be an https URL.")


def save_subscription(*, user_id: int, endpoint: str, p256dh: str, auth: str, user_agent: str | None
                      ) -> PushSubscription:
    """Add or update a device; the same endpoint again updates (moving it to this user), never duplicates."""
    check_endpoint(endpoint)
    sub = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    now = utcnow()
    if sub is None:
        sub = PushSubscription(endpoint=endpoint, created_at=now)
        db.session.add(sub)
    sub.user_id, sub.p256dh, sub.auth, sub.user_agent, sub.updated_at = user_id, p256dh, auth, user_agent, now
    db.session.flush()
    return sub
