"""The 1+10+100 links: member ↔ household (联系户) and leader ↔ member (骨干联系党员).

Links are never overwritten: ending one sets ``ended_at``/``ended_by_id`` and a
new row starts the next. A partial unique index keeps at most one current link
per household (and one current leader per member) even under concurrent writes.
"""
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db


class Link(db.Model):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(100))

    member = relationship("Member", lazy="joined")

    __table_args__ = (
        Index("ix_links_member_current", "member_id", "ended_at"),
        Index("ix_links_household", "household_id", "started_at"),
        Index("uq_links_current_household", "household_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )


class LeaderLink(db.Model):
    __tablename__ = "leader_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    started_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ended_at = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_leader_links_leader_current", "leader_id", "ended_at"),
        Index("ix_leader_links_member", "member_id", "started_at"),
        Index("uq_leader_links_current_member", "member_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
