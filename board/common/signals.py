"""Changes one domain announces and others act on, so no package imports one above it.

Senders name the thing that changed; receivers live in the package that owns the effect
(sessions bump calendar sequences, agendas follow their cases). Every receiver runs inside the
sender's transaction, so the effect commits or rolls back with the change itself.
"""

from blinker import Namespace

events = Namespace()

session_changed = events.signal("session-changed")
"""A session's calendar event changed (time, place, agenda, status). Sender: the BoardSession."""

board_changed = events.signal("board-changed")
"""Board settings that calendar events show changed. Sender: the Board."""

recurrence_changed = events.signal("recurrence-changed")
"""A board's rule, anchor, start time or time zone changed. Sender: the Board; keyword
`confirmed` (the coordinator accepted the listed session changes). Receivers return the
session changes they made (and refuse, without `confirmed`, to cancel or move sessions)."""

site_renamed = events.signal("site-renamed")
"""A disease site's name changed; agendas that list it show the new name. Sender: its code."""

case_shown_fields_changed = events.signal("case-shown-fields-changed")
"""A case field that agendas and calendars show changed. Sender: the Case."""

case_leaving_agendas = events.signal("case-leaving-agendas")
"""A case is about to move to a status that has no place on an agenda. Sender: the Case;
keyword `target` (the new status) and `reason`."""

page_context = events.signal("page-context")
"""A page asks other domains for their part of it. Sender: the page's name (a string);
keywords name the objects shown. Receivers return a dict merged into the template context."""


def contributed_context(page: str, **objects) -> dict:
    """What the other domains add to `page` (e.g. the case page's placement and outcomes)."""
    context: dict = {}
    for _receiver, extra in page_context.send(page, **objects):
        context.update(extra or {})
    return context
