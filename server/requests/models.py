"""Requests (诉求) and errands (代办): the closed loop 点单→派单→接单→评单."""
from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

# the five bags (五色袋): code -> (zh-CN, en, colour)
CATEGORIES = {
    "suggestion": ("建议", "suggestion", "blue"),
    "complaint": ("吐槽", "complaint", "yellow"),
    "wish": ("心愿", "wish", "green"),
    "publicity": ("宣传", "publicity", "orange"),
    "service": ("服务", "service", "red"),
}
# due time when no service item says otherwise, in days
DEFAULT_DAYS = {"suggestion": 15, "complaint": 7, "wish": 30, "publicity": 15, "service": 7}

SOURCES = {
    "app": ("居民点单", "resident app"),
    "member": ("党员代办", "member errand"),
    "hotline": ("12345 热线", "12345 hotline"),
    "walk_in": ("来访登记", "walk-in"),
}


class ServiceItem(db.Model):
    """An entry of the service catalogue (便民服务事项清单) with its time limit."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    time_limit_days: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Request(db.Model):
    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the household's micro-grid
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"))
    source: Mapped[str] = mapped_column(String(16))
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))  # opened from a visit's concern
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_at = mapped_column(UTCDateTime, nullable=False)
    first_response_at = mapped_column(UTCDateTime)  # first move out of "submitted" (reply share)
    resolved_at = mapped_column(UTCDateTime)
    closed_at = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    rated_at = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    household = relationship("Household", lazy="joined", innerjoin=True)
    assignee = relationship("Member", lazy="joined")
    service_item = relationship(ServiceItem, lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # optimistic locking: a stale write raises, we answer 409
    __table_args__ = (
        Index("ix_requests_unit_status", "org_unit_id", "status", "created_at"),
        Index("ix_requests_assignee_status", "assignee_id", "status"),
        Index("ix_requests_department_status", "department_id", "status"),
        Index("ix_requests_household", "household_id", "created_at"),
        Index("ix_requests_status_due", "status", "due_at"),
        Index("ix_requests_created", "created_at"),  # dashboards: filed in a period
        Index("ix_requests_resolved", "resolved_at"),  # dashboards: resolved in a period
    )


class RequestEvent(db.Model):
    """One row of a request's timeline: who moved it, when, from what to what, and why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (Index("ix_request_events_request", "request_id", "id"),)
