"""Accounts, roles and login sessions."""
from sqlalchemy import Boolean, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

ROLES = ("admin", "secretary", "leader", "member", "department", "resident")
# Roles whose scope is a subtree of the org tree.
TREE_ROLES = ("admin", "secretary")


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    password_changed_at = mapped_column(UTCDateTime)

    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user")
    member = relationship("Member", uselist=False, back_populates="user", lazy="selectin")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        mine = {r.role for r in self.role_rows}
        return any(r in mine for r in roles)

    @property
    def member_id(self) -> int | None:
        return self.member.id if self.member is not None else None


# Usernames are matched without regard to case (services._same_username): this index makes that
# match a lookup, not a scan, and keeps two spellings of one name from both being taken.
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class AuthSession(db.Model):
    """One login. Access and refresh tokens carry its id (``sid``); logout revokes it."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_at = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(200))
