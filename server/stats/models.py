"""Weights of the vanguard index (先锋指数), set by an admin."""
from sqlalchemy import Float, ForeignKey, String
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
