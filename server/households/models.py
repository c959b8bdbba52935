"""Households (户) and their tags (重点人群)."""
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

# code -> (zh-CN, en)
TAGS = {
    "elderly_alone": ("独居老人", "elderly living alone"),
    "empty_nest": ("空巢老人", "empty-nest elderly"),
    "left_behind_child": ("留守儿童", "left-behind child"),
    "disabled": ("残障人士", "disabled"),
    "hardship": ("困难家庭", "hardship family"),
    "veteran": ("退役军人", "veteran"),
}


class Household(db.Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    number: Mapped[str] = mapped_column(String(32))  # 户号, unique within its micro-grid
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer, default=1)
    card_code: Mapped[str] = mapped_column(String(16), unique=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)
    archived_at = mapped_column(UTCDateTime)
    # Kept in step by server.visits.cadence in the same transaction as a visit,
    # a tag change or a policy change, so "due" and "overdue" are plain indexed reads.
    last_visit_at = mapped_column(UTCDateTime)
    next_due_at = mapped_column(UTCDateTime)

    tag_rows: Mapped[list["HouseholdTag"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="household")

    __table_args__ = (
        UniqueConstraint("org_unit_id", "number"),
        # covers the per-unit counts of live and overdue households (dashboards) and the overdue lists
        Index("ix_households_unit_live", "org_unit_id", "archived_at", "next_due_at"),
        Index("ix_households_due", "next_due_at"),
    )

    @property
    def tags(self) -> list[str]:
        return sorted(t.tag for t in self.tag_rows)


class HouseholdTag(db.Model):
    __tablename__ = "household_tags"

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True)

    household: Mapped[Household] = relationship(back_populates="tag_rows")

    __table_args__ = (Index("ix_household_tags_tag", "tag", "household_id"),)
