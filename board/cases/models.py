"""A case asks for a group, individual or pathology opinion on one patient."""

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.common.enums import LabelledEnum, stored_enum
from board.common.models import (
    Timestamped,
    UTCDateTime,
    Versioned,
    link_table,
    linked,
    owned_children,
    parent_id,
)
from board.common.time import utcnow
from board.extensions import db
from board.specialists.models import Specialist
from board.vocabulary.models import DiseaseSite, Specialty


class CaseStatus(LabelledEnum):
    SUBMITTED = "submitted"
    AWAITING_RECORDS = "awaiting_records"
    READY = "ready"
    SCHEDULED = "scheduled"
    DISCUSSED = "discussed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class OpinionKind(LabelledEnum):
    BOARD = "board"
    INDIVIDUAL = "individual"
    PATHOLOGY_REVIEW = "pathology_review"


class Priority(LabelledEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENT = "emergent"


class Sex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class FirstOpinionSource(LabelledEnum):
    THIS_CENTER = "this_center"
    ELSEWHERE = "elsewhere"


class InsurerNotice(LabelledEnum):
    NOT_REQUIRED = "not_required"
    REQUIRED_NOT_SENT = "required_not_sent"
    SENT = "sent"
    APPROVED = "approved"
    DENIED = "denied"


class QuestionCategory(LabelledEnum):
    """What the clinical question is about; safe to show where the question itself is not."""

    DIAGNOSIS = "diagnosis"
    STAGING = "staging"
    TREATMENT_PLAN = "treatment_plan"
    SURGICAL_PLANNING = "surgical_planning"
    RADIATION_PLANNING = "radiation_planning"
    SYSTEMIC_THERAPY = "systemic_therapy"
    RECURRENCE = "recurrence"
    CLINICAL_TRIAL = "clinical_trial"
    PATHOLOGY_REVIEW = "pathology_review"
    OTHER = "other"


class RecordKind(LabelledEnum):
    PATHOLOGY_REPORT = "pathology_report"
    SLIDES_BLOCKS = "slides_blocks"
    IMAGING = "imaging"
    OPERATIVE_NOTE = "operative_note"
    LABS = "labs"
    GENOMIC_TESTS = "genomic_tests"
    OTHER = "other"


case_extra_specialties = link_table(
    "case_extra_specialties", ("case_id", "cases.id"), ("specialty_code", "specialties.code")
)


class Case(Versioned, Timestamped, db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Non-identifying reference used wherever patient data must not go (feeds, logs, URLs).
    reference: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    status: Mapped[CaseStatus] = mapped_column(
        stored_enum(CaseStatus), default=CaseStatus.SUBMITTED, index=True, nullable=False
    )

    patient_name: Mapped[str] = mapped_column(String(200), nullable=False)
    patient_mrn: Mapped[str] = mapped_column(String(40), nullable=False)
    patient_birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    patient_sex: Mapped[Sex] = mapped_column(stored_enum(Sex), nullable=False)

    referring_physician: Mapped[str] = mapped_column(String(200), nullable=False)
    referring_institution: Mapped[str] = mapped_column(String(200), nullable=False)
    referring_email: Mapped[str] = mapped_column(String(254), nullable=False)
    first_opinion_source: Mapped[FirstOpinionSource] = mapped_column(
        stored_enum(FirstOpinionSource), nullable=False
    )
    first_opinion_diagnosis: Mapped[str] = mapped_column(Text, nullable=False)
    first_opinion_treatment: Mapped[str] = mapped_column(Text, default="", nullable=False)

    site_code: Mapped[str] = mapped_column(
        ForeignKey("disease_sites.code"), index=True, nullable=False
    )
    opinion_kind: Mapped[OpinionKind] = mapped_column(stored_enum(OpinionKind), nullable=False)
    clinical_question: Mapped[str] = mapped_column(Text, nullable=False)
    question_category: Mapped[QuestionCategory] = mapped_column(
        stored_enum(QuestionCategory),
        default=QuestionCategory.TREATMENT_PLAN,
        server_default=QuestionCategory.TREATMENT_PLAN.value,
        nullable=False,
    )
    priority: Mapped[Priority] = mapped_column(
        stored_enum(Priority), default=Priority.ROUTINE, index=True, nullable=False
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decision_due_on: Mapped[date] = mapped_column(Date, nullable=False)
    first_treatment_on: Mapped[date | None] = mapped_column(Date)
    discussion_minutes: Mapped[int | None] = mapped_column(Integer)
    requested_specialist_id: Mapped[int | None] = mapped_column(ForeignKey("specialists.id"))
    presenting_physician: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    insurer_notice: Mapped[InsurerNotice] = mapped_column(
        stored_enum(InsurerNotice), default=InsurerNotice.NOT_REQUIRED, nullable=False
    )
    insurer_notice_sent_on: Mapped[date | None] = mapped_column(Date)

    site: Mapped[DiseaseSite] = relationship(lazy="joined")
    extra_specialties: Mapped[list[Specialty]] = linked(case_extra_specialties, Specialty.code)
    requested_specialist: Mapped[Specialist | None] = relationship(lazy="joined")
    records: Mapped[list["RecordItem"]] = owned_children("case", "RecordItem.id")
    status_changes: Mapped[list["StatusChange"]] = owned_children("case", "StatusChange.id")

    @property
    def extra_specialty_codes(self) -> list[str]:
        return [specialty.code for specialty in self.extra_specialties]

    @property
    def records_complete(self) -> bool:
        return all(item.received_on is not None for item in self.records)

    @property
    def missing_record_kinds(self) -> list[str]:
        return [item.kind.value for item in self.records if item.received_on is None]

    @property
    def insurer_notice_satisfied(self) -> bool:
        return self.insurer_notice in (InsurerNotice.NOT_REQUIRED, InsurerNotice.APPROVED)

    @property
    def is_ready(self) -> bool:
        """Every record in and the insurer's notice condition met: the case can be placed."""
        return self.records_complete and self.insurer_notice_satisfied


class RecordItem(Versioned, db.Model):
    __tablename__ = "record_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = parent_id("cases.id")
    kind: Mapped[RecordKind] = mapped_column(stored_enum(RecordKind), nullable=False)
    requested_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="", nullable=False)

    case: Mapped[Case] = relationship(back_populates="records")


class StatusChange(db.Model):
    """One recorded status transition: who, when, why. Append-only."""

    __tablename__ = "case_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = parent_id("cases.id")
    from_status: Mapped[CaseStatus | None] = mapped_column(stored_enum(CaseStatus))
    to_status: Mapped[CaseStatus] = mapped_column(stored_enum(CaseStatus), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # The acting user, or None for the service itself; the label keeps the name shown.
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_label: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    case: Mapped[Case] = relationship(back_populates="status_changes")
