"""Web Push subscriptions, reminders (the inbox), the push outbox and per-user settings."""
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

RULES = {
    "visit_due": ("走访提醒", "visits due"),
    "request_dispatched": ("派单提醒", "request dispatched to me"),
    "request_overdue": ("诉求超期", "request past due"),
    "request_answered": ("诉求答复", "my request answered"),
}


class PushSubscription(db.Model):
    """One browser's push subscription (a user may have several devices)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1024), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_success_at = mapped_column(UTCDateTime)


class UserSettings(db.Model):
    """Reminder preferences. A user without a row has the defaults."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    push_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:30")  # local time, HH:MM
    quiet_end: Mapped[str] = mapped_column(String(5), default="07:30")
    muted_rules: Mapped[list] = mapped_column(JSON, default=list)  # no push for these (inbox still)


class Reminder(db.Model):
    """An inbox item. One per (user, rule, subject, period): the unique key is the deduplication."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(200))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("user_id", "rule", "subject_key", "period_key"),
        Index("ix_reminders_user_created", "user_id", "created_at"),
        Index("ix_reminders_created", "created_at"),  # a scan's fresh reminders, found to queue pushes
    )


class PushMessage(db.Model):
    """The push outbox: one row per reminder and device, written with the reminder, sent by the worker."""

    __tablename__ = "push_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="SET NULL"),
                                                        index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending sending sent failed gone
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at = mapped_column(UTCDateTime, nullable=False)
    lease_until = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_push_outbox_due", "status", "next_attempt_at"),)
