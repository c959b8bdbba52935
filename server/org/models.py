"""The organisation tree and departments."""
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.types import UTCDateTime, utcnow
from server.extensions import db

# Top to bottom. A county root is optional (the county-scale set has one; the
# demo tree starts at a street).
LEVELS = ("county", "street", "community", "grid", "microgrid")
LEVEL_NAMES = {
    "county": ("县（区）委", "county"),
    "street": ("街道党工委", "street"),
    "community": ("社区（村）党组织", "community"),
    "grid": ("网格党支部", "grid"),
    "microgrid": ("微网格党小组", "micro-grid"),
}


class OrgUnit(db.Model):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id])


class OrgClosure(db.Model):
    """Closure table of the tree: one row per (ancestor, descendant), itself included.

    Subtree queries are one indexed join (``ancestor_id = X``), the same on
    SQLite and PostgreSQL, and independent of collation.
    """

    __tablename__ = "org_closure"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_org_closure_descendant", "descendant_id", "ancestor_id"),)


class Department(db.Model):
    """A functional department requests can be escalated to (网格吹哨、部门报到)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
