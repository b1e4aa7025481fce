"""Reading browser forms with the API's own schemas, so both accept exactly the same input."""

import dataclasses
from collections.abc import Callable

from flask import request
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from board.common.errors import Conflict, StaleVersion, ValidationFailed
from board.extensions import db


def form_data(schema: Schema, form: MultiDict, skip: tuple[str, ...] = ()) -> dict:
    """The submitted fields the schema knows, as the JSON the API would receive.

    Empty text means "not given" (or None where the schema allows it); every list and
    checkbox the form shows is sent, so clearing them all is possible.
    """
    data: dict = {}
    for name, field in schema.fields.items():
        if name in skip or field.dump_only:
            continue
        if isinstance(field, fields.List):
            data[name] = [value for value in form.getlist(name) if value.strip()]
        elif isinstance(field, fields.Boolean):
            data[name] = name in form
        elif name in form:
            value = form.get(name, "").strip()
            if value:
                data[name] = value
            elif field.allow_none:
                data[name] = None
    return data


def load_form(schema: Schema, data: dict) -> dict:
    """Validate with the schema; field messages come back as a ValidationFailed."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ValidationFailed(flatten_messages(error.messages)) from error


def flatten_messages(messages) -> dict[str, list[str]]:
    """marshmallow nests messages for lists and nested schemas; a page shows them flat."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(prefix, inner)
        else:
            flat.setdefault(prefix.split(".")[0] if prefix else "_schema", []).append(str(value))

    walk("", messages if isinstance(messages, dict) else {"_schema": messages})
    return flat


def seen_version() -> int | None:
    """The row version the page was built from (the form's hidden `version` field)."""
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


def check_version(row) -> None:
    """Refuse a form built from an older version of the row."""
    if seen_version() != row.version:
        raise StaleVersion(current_version=row.version)


@dataclasses.dataclass(frozen=True)
class SaveResult:
    """How a form save ended: saved, or refused with the page status and field messages."""

    status: int = 200
    errors: dict = dataclasses.field(default_factory=dict)
    stale: bool = False

    @property
    def saved(self) -> bool:
        return self.status == 200


def save_form(row, change: Callable[[], object]) -> SaveResult:
    """Check the form's version of `row`, apply `change` and commit; a refusal writes nothing."""
    try:
        check_version(row)
        change()
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        return SaveResult(412, stale=True)
    except ValidationFailed as error:
        db.session.rollback()
        return SaveResult(422, error.details)
    except Conflict as error:
        db.session.rollback()
        return SaveResult(409, {"_schema": [error.message]})
    return SaveResult()


def is_fetch() -> bool:
    """Whether the page's script sent the request and wants only a fragment back."""
    return request.headers.get("X-Requested-With") == "fetch"


STALE_MESSAGE = (
    "Someone else changed this while you were editing. Nothing was saved: the current "
    "state is shown below, and your input is kept in the form so you can apply it again."
)


def typed_values(form: MultiDict, list_names: tuple[str, ...]) -> dict:
    """What the user typed, lists kept as lists, so a refused form shows it all again."""
    values = {key: form.get(key) for key in form}
    for name in list_names:
        values[name] = form.getlist(name)
    return values
