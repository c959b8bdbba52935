"""Weights of the vanguard index (先锋指数), set by an admin."""
from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

# part -> (default weight, zh-CN, en)
VANGUARD_PARTS = {
    "visits": (1.0, "走访次数", "visits"),
    "night_visits": (0.5, "民情夜访（额外）", "night visits (extra)"),
    "errands": (2.0, "办结诉求", "requests resolved"),
    "on_time": (5.0, "按时办结率", "on-time share"),
    "rating": (2.0, "群众评价（平均分）", "residents' rating (average)"),
    "overdue": (-1.0, "逾期未走访户数", "households overdue"),
}


class VanguardWeight(db.Model):
    __tablename__ = "vanguard_weights"

    part: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StatsVisitDay(db.Model):
    """Visits of one China-time day under an org unit of a rollup level (county, street, community),
    so that a dashboard of a big unit reads a row a day instead of every visit."""

    __tablename__ = "stats_visit_days"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)  # YYYY-MM-DD, China time
    visits: Mapped[int] = mapped_column(Integer, default=0)
    night_visits: Mapped[int] = mapped_column(Integer, default=0)


class StatsRequestDay(db.Model):
    """Requests under a rollup-level unit, per day, bag and current status: filed that day (and how
    many of those got a first answer within 24 hours), resolved that day (on time), rated that day
    (4–5 stars)."""

    __tablename__ = "stats_request_days"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    created: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    happy: Mapped[int] = mapped_column(Integer, default=0)


class StatsDirtyDay(db.Model):
    """A day whose rollup rows are out of date: written in the same transaction as the change,
    recomputed before the next dashboard reads that day (or by the worker)."""

    __tablename__ = "stats_dirty_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    changes: Mapped[int] = mapped_column(Integer, default=1)  # bumped by each change: see rollup.touch
