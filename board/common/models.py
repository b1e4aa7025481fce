"""Column types and mixins shared by the domain models."""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Table, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from board.common.time import as_utc, utcnow
from board.extensions import db


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC-aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return as_utc(value)


class Versioned:
    """A row whose updates are guarded by an optimistic version counter."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


class Timestamped:
    """Creation and last-update instants."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def get_or_404(model, key):
    """The row with this primary key, or a 404 that names what was looked for."""
    noun = getattr(model, "noun", model.__name__.lower())
    return db.get_or_404(model, key, description=f"No {noun} {key}.")


def link_table(name: str, owner: tuple[str, str], other: tuple[str, str], both_owned=False):
    """A many-to-many table: (column, referenced column) of the owner, whose rows it goes
    with when deleted, and of the other side (deleted with it too when `both_owned`)."""
    return Table(
        name,
        db.metadata,
        Column(owner[0], ForeignKey(owner[1], ondelete="CASCADE"), primary_key=True),
        Column(
            other[0],
            ForeignKey(other[1], ondelete="CASCADE" if both_owned else None),
            primary_key=True,
        ),
    )


def linked(table: Table, order_by):
    """The rows on the other side of a link table, loaded with their owner."""
    return relationship(secondary=table, order_by=order_by, lazy="selectin")


def owned_children(back_populates: str, order_by: str):
    """Rows that belong to this one: loaded with it, deleted with it."""
    return relationship(
        back_populates=back_populates,
        order_by=order_by,
        cascade="all, delete-orphan",
        lazy="selectin",
    )


def parent_id(reference: str):
    """The indexed key of the row this one belongs to, and is deleted with."""
    return mapped_column(ForeignKey(reference, ondelete="CASCADE"), index=True, nullable=False)
