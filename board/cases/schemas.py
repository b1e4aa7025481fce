"""Case input and output. Patient-identifying fields are dumped only for staff."""

from marshmallow import Schema, fields, post_dump, validate

from board.accounts.permissions import can_see_patient_data
from board.cases.models import (
    CaseStatus,
    FirstOpinionSource,
    InsurerNotice,
    OpinionKind,
    Priority,
    QuestionCategory,
    RecordKind,
    Sex,
)
from board.common.validation import (
    validate_not_future,
    validate_not_past,
    validate_row_id,
    validate_within_reach,
)

PATIENT_FIELDS = ("patient_name", "patient_mrn", "patient_birth_date", "patient_sex")
# The first opinion's diagnosis and the referral contact identify the patient too.
IDENTIFYING_FIELDS = (
    *PATIENT_FIELDS,
    "first_opinion_diagnosis",
    "first_opinion_treatment",
    "referring_email",
)

text = validate.Length(min=1, max=200)


class RecordIn(Schema):
    kind = fields.Enum(RecordKind, by_value=True, required=True)
    requested_on = fields.Date(allow_none=True, validate=validate_not_future)
    received_on = fields.Date(allow_none=True, validate=validate_not_future)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class RecordPatch(Schema):
    requested_on = fields.Date(allow_none=True, validate=validate_not_future)
    received_on = fields.Date(allow_none=True, validate=validate_not_future)
    note = fields.String(validate=validate.Length(max=500))


class RecordsIn(Schema):
    items = fields.List(
        fields.Nested(RecordIn), required=True, validate=validate.Length(min=1, max=50)
    )


class CaseIn(Schema):
    patient_name = fields.String(required=True, validate=text)
    patient_mrn = fields.String(required=True, validate=validate.Length(min=1, max=40))
    patient_birth_date = fields.Date(required=True, validate=validate_not_future)
    patient_sex = fields.Enum(Sex, by_value=True, required=True)
    referring_physician = fields.String(required=True, validate=text)
    referring_institution = fields.String(required=True, validate=text)
    referring_email = fields.Email(required=True)
    first_opinion_source = fields.Enum(FirstOpinionSource, by_value=True, required=True)
    first_opinion_diagnosis = fields.String(required=True, validate=validate.Length(min=1))
    first_opinion_treatment = fields.String(load_default="")
    site = fields.String(required=True)
    opinion_kind = fields.Enum(OpinionKind, by_value=True, required=True)
    clinical_question = fields.String(required=True, validate=validate.Length(min=5, max=4000))
    question_category = fields.Enum(
        QuestionCategory, by_value=True, load_default=QuestionCategory.TREATMENT_PLAN
    )
    priority = fields.Enum(Priority, by_value=True, load_default=Priority.ROUTINE)
    decision_due_on = fields.Date(
        required=True, validate=[validate_not_past, validate_within_reach]
    )
    first_treatment_on = fields.Date(allow_none=True)
    discussion_minutes = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=240, error="Must be between 1 and 240 minutes."),
    )
    extra_specialties = fields.List(fields.String(), load_default=list)
    requested_specialist_id = fields.Integer(allow_none=True, validate=validate_row_id)
    presenting_physician = fields.String(load_default="", validate=validate.Length(max=200))
    insurer_notice = fields.Enum(
        InsurerNotice, by_value=True, load_default=InsurerNotice.NOT_REQUIRED
    )
    insurer_notice_sent_on = fields.Date(allow_none=True, validate=validate_not_future)
    records = fields.List(fields.Nested(RecordIn), load_default=list)


class TransitionIn(Schema):
    to = fields.Enum(CaseStatus, by_value=True, required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class CaseFilters(Schema):
    status = fields.Enum(CaseStatus, by_value=True)
    site = fields.String()
    board = fields.Integer(validate=validate_row_id)
    priority = fields.Enum(Priority, by_value=True)


class RecordOut(Schema):
    id = fields.Integer()
    kind = fields.Enum(RecordKind, by_value=True)
    requested_on = fields.Date(allow_none=True)
    received_on = fields.Date(allow_none=True)
    note = fields.String()
    version = fields.Integer()


class StatusChangeOut(Schema):
    from_status = fields.Enum(CaseStatus, by_value=True, allow_none=True)
    to_status = fields.Enum(CaseStatus, by_value=True)
    changed_at = fields.AwareDateTime()
    changed_by = fields.String(attribute="changed_by_label")
    reason = fields.String()


class CaseOut(Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.Enum(CaseStatus, by_value=True)
    patient_name = fields.String()
    patient_mrn = fields.String()
    patient_birth_date = fields.Date()
    patient_sex = fields.Enum(Sex, by_value=True)
    referring_physician = fields.String()
    referring_institution = fields.String()
    referring_email = fields.String()
    first_opinion_source = fields.Enum(FirstOpinionSource, by_value=True)
    first_opinion_diagnosis = fields.String()
    first_opinion_treatment = fields.String()
    site = fields.String(attribute="site_code")
    opinion_kind = fields.Enum(OpinionKind, by_value=True)
    clinical_question = fields.String()
    question_category = fields.Enum(QuestionCategory, by_value=True)
    priority = fields.Enum(Priority, by_value=True)
    submitted_at = fields.AwareDateTime()
    decision_due_on = fields.Date()
    first_treatment_on = fields.Date(allow_none=True)
    discussion_minutes = fields.Integer(allow_none=True)
    extra_specialties = fields.List(fields.String(), attribute="extra_specialty_codes")
    requested_specialist_id = fields.Integer(allow_none=True)
    presenting_physician = fields.String()
    insurer_notice = fields.Enum(InsurerNotice, by_value=True)
    insurer_notice_sent_on = fields.Date(allow_none=True)
    records_complete = fields.Boolean()
    records = fields.List(fields.Nested(RecordOut))
    status_history = fields.List(fields.Nested(StatusChangeOut), attribute="status_changes")
    version = fields.Integer()

    @post_dump
    def hide_identifying_fields(self, data, **_kwargs):
        """Patient-identifying fields are for staff only; the document still lists them."""
        if not can_see_patient_data():
            for name in IDENTIFYING_FIELDS:
                data.pop(name, None)
        return data


class CasePatch(CaseIn):
    """Any subset of a case's fields; records change through their own endpoint."""


case_in = CaseIn()
case_patch = CasePatch(partial=True, exclude=("records",))
record_in = RecordIn()
record_patch = RecordPatch()
