"""Enums stored by value, each with a readable label."""

import enum

from sqlalchemy import Enum


class LabelledEnum(enum.StrEnum):
    """A string enum whose members read well on a page: `awaiting_records` → 'awaiting records'."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def label_of(value) -> str:
    """The readable label of an enum member or of a stored enum value."""
    text = value.value if isinstance(value, enum.Enum) else str(value)
    return text.replace("_", " ")


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Store an enum by its values, not its member names."""
    return [member.value for member in enum_class]


def stored_enum(enum_class: type[enum.Enum], length: int = 30) -> Enum:
    """A portable enum column: a VARCHAR with a CHECK constraint, storing values."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=enum_values)
