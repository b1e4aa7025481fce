"""Reading browser forms with the API's own schemas, and the one way every page writes.

Every HTML write goes through `perform`: it checks the version the page was built from,
calls one service, commits once, and on a refusal rolls back and says why, so the view only
re-renders its page with that `Refusal`.
"""

import dataclasses
from collections.abc import Callable

from flask import request
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from board.common.errors import DomainError, StaleVersion, ValidationFailed, require_version
from board.extensions import db

STALE_MESSAGE = (
    "Someone else changed this while you were editing. Nothing was saved: the current "
    "state is shown below, and your input is kept in the form so you can apply it again."
)


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


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why a page write saved nothing: the status to answer, a message, field messages."""

    status: int
    message: str
    errors: dict = dataclasses.field(default_factory=dict)
    stale: bool = False

    @classmethod
    def from_error(cls, error: DomainError) -> "Refusal":
        if isinstance(error, StaleVersion):
            return cls(412, STALE_MESSAGE, {}, stale=True)
        if isinstance(error, ValidationFailed):
            return cls(422, "Nothing was saved: " + error.message, error.details)
        return cls(error.status, error.message, {"_schema": [error.message]})

    @property
    def field_text(self) -> str:
        """The field messages as one sentence, for pages that show a single alert."""
        return " ".join(message for messages in self.errors.values() for message in messages)


@dataclasses.dataclass(frozen=True)
class Performed:
    """How a page write ended: the service's result, or the refusal to show."""

    result: object = None
    refusal: Refusal | None = None

    @property
    def saved(self) -> bool:
        return self.refusal is None


def perform(action: Callable[[], object], versioned=None) -> Performed:
    """Check the page's version of `versioned` (if given), run `action`, commit once.

    A refusal (stale version, bad input, a state that forbids the change) rolls back, so
    nothing is written, and comes back for the view to show on its page.
    """
    try:
        if versioned is not None:
            require_version(versioned, seen_version())
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return Performed(refusal=Refusal.from_error(error))
    return Performed(result=result)


def is_fetch() -> bool:
    """Whether the page's script sent the request and wants only a fragment back."""
    return request.headers.get("X-Requested-With") == "fetch"


def typed_values(form: MultiDict, list_names: tuple[str, ...], checkboxes=()) -> dict:
    """What the user typed, lists kept as lists, so a refused form shows it all again."""
    values = {key: form.get(key) for key in form}
    for name in list_names:
        values[name] = form.getlist(name)
    for name in checkboxes:
        values[name] = name in form
    return values
