"""Visits (走访 / 民情夜访), their corrections, and the visit cadence per tag."""
from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

KINDS = {
    "regular": ("走访", "visit"),
    "night": ("民情夜访", "night visit"),
    "follow_up": ("回访", "follow-up"),
}

# code -> (zh-CN, en)
CONCERNS = {
    "employment": ("就业", "employment"),
    "medical": ("医疗", "medical care"),
    "elderly_care": ("养老", "elderly care"),
    "housing": ("住房", "housing"),
    "dispute": ("矛盾纠纷", "dispute"),
    "environment": ("环境", "environment"),
    "safety": ("安全", "safety"),
    "education": ("教育", "education"),
    "social_security": ("社保", "social security"),
    "other": ("其他", "other"),
}

DEFAULT_POLICY = "default"
DEFAULT_INTERVAL_DAYS = 30
# What the 0002 migration installs: every 30 days, elderly living alone every 7, hardship every 14.
INITIAL_POLICIES = {DEFAULT_POLICY: DEFAULT_INTERVAL_DAYS, "elderly_alone": 7, "hardship": 14}


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # the visiting member, if one
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visited_at = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    concern_rows: Mapped[list["VisitConcern"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VisitConcern.id")
    household = relationship("Household", lazy="joined", innerjoin=True)
    author = relationship("User", lazy="joined", innerjoin=True)

    __table_args__ = (
        Index("ix_visits_household_time", "household_id", "visited_at"),
        Index("ix_visits_member_time", "member_id", "visited_at"),
        Index("ix_visits_author_time", "author_id", "visited_at"),
        Index("ix_visits_time", "visited_at"),
    )

    @property
    def concerns(self) -> list[dict]:
        return [{"category": c.category, "note": c.note} for c in self.concern_rows]

    @property
    def location(self) -> dict | None:
        if self.lat is None or self.lon is None:
            return None
        return {"lat": self.lat, "lon": self.lon, "accuracy": self.accuracy_m}


class VisitConcern(db.Model):
    """A concern found on a visit (民情): a category and a short note."""

    __tablename__ = "visit_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(200))


class VisitRevision(db.Model):
    """What a visit said before its author corrected it (corrections never overwrite history)."""

    __tablename__ = "visit_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    before: Mapped[dict] = mapped_column(JSON)


class VisitPolicy(db.Model):
    """How often a household is visited: ``default``, or per tag (the strictest tag wins)."""

    __tablename__ = "visit_policies"

    tag: Mapped[str] = mapped_column(String(32), primary_key=True)
    interval_days: Mapped[int] = mapped_column(Integer)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
