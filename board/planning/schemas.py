"""Engine runs and placements, as the API shows them."""

from marshmallow import Schema, fields

from board.planning.models import RunOutcome


class RunRequest(Schema):
    dry_run = fields.Boolean(load_default=True)


class RunChange(Schema):
    case_id = fields.Integer()
    reference = fields.String()
    action = fields.String(metadata={"description": "placed, moved, removed or skipped"})
    from_session_id = fields.Integer(allow_none=True)
    to_session_id = fields.Integer(allow_none=True)
    reason = fields.String()
    on_time = fields.Boolean(metadata={"description": "discussed by its decision date"})
    days_late = fields.Integer(allow_none=True, metadata={"description": "0 when on time"})
    late_causes = fields.List(
        fields.String(), metadata={"description": "quorum, capacity, records, insurer notice"}
    )
    timeliness = fields.String(metadata={"description": "on time, or late by how much and why"})


class RunOut(Schema):
    id = fields.Integer()
    trigger = fields.String()
    dry_run = fields.Boolean()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.Enum(RunOutcome, by_value=True)
    cases_considered = fields.Integer()
    placed = fields.Integer(attribute="placed_count")
    moved = fields.Integer(attribute="moved_count")
    removed = fields.Integer(attribute="removed_count")
    skipped = fields.Integer(attribute="skipped_count")
    unplaced = fields.Integer(attribute="unplaced_count")
    objective = fields.Float(allow_none=True)
    upper_bound = fields.Float(allow_none=True)
    proven_optimal = fields.Boolean()
    method = fields.String()
    solve_seconds = fields.Float(allow_none=True)
    error = fields.String()


class RunWithChangesOut(RunOut):
    changes = fields.List(fields.Nested(RunChange), metadata={"description": "Each case's change"})


class PlacedSessionOut(Schema):
    id = fields.Integer()
    board_id = fields.Integer()
    board_name = fields.String()
    time_zone = fields.String(metadata={"description": "the board's zone, for showing times"})
    starts_at = fields.AwareDateTime()
    status = fields.String()
    position = fields.Integer()
    minutes = fields.Integer()
    pinned = fields.Boolean()
    placed_by = fields.String()


class PlacementAction(Schema):
    kind = fields.String(metadata={"description": "other_board, capacity or ad_hoc"})
    text = fields.String()
    session_id = fields.Integer(allow_none=True)
    board_id = fields.Integer(allow_none=True)


class PlacementOut(Schema):
    case_id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    session = fields.Nested(PlacedSessionOut, allow_none=True)
    reason = fields.String()
    decided_at = fields.AwareDateTime(allow_none=True)
    run_id = fields.Integer(allow_none=True)
    on_time = fields.Boolean(metadata={"description": "discussed (or placed) by its decision date"})
    at_risk = fields.Boolean(metadata={"description": "on time, but with one chance left"})
    days_late = fields.Integer(
        allow_none=True, metadata={"description": "0 when on time; null when no session can"}
    )
    late_causes = fields.List(
        fields.String(), metadata={"description": "quorum, capacity, records, insurer notice"}
    )
    timeliness = fields.String(metadata={"description": "on time, or late by how much and why"})
    actions = fields.List(fields.Nested(PlacementAction))
