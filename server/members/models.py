"""Party members (党员)."""
from sqlalchemy import Boolean, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db


class Member(db.Model):
    """A party member. Name and phone live on the member's user account."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    is_central_household: Mapped[bool] = mapped_column(Boolean, default=False)  # 党员中心户
    joined_party_on = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User", back_populates="member", lazy="joined")
    org_unit = relationship("OrgUnit", lazy="raise")

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def phone(self) -> str | None:
        return self.user.phone

    @property
    def is_leader(self) -> bool:
        return self.user.has_role("leader")
