"""Template filters every page uses."""

from flask import Flask

from board.common.enums import label_of
from board.common.time import board_time, zoned_time


def enum_options(members) -> list[tuple[str, str]]:
    """(value, readable label) pairs for a select of enum members."""
    return [(member.value, label_of(member).capitalize()) for member in members]


def pairs(rows, key: str, label: str) -> list[tuple]:
    """(value, label) pairs for a select or checkbox group of rows."""
    return [(getattr(row, key), getattr(row, label)) for row in rows]


def register_template_filters(app: Flask) -> None:
    """Make the filters available to every template."""
    app.add_template_filter(board_time)
    app.add_template_filter(zoned_time)
    app.add_template_filter(enum_options)
    app.add_template_filter(pairs)
    app.add_template_filter(label_of, "label")
