"""A mid-size cancer center: 8 boards, ~40 specialists, ~120 cases in every status.

Every patient is synthetic; names and record numbers are generated, never real.
"""

import random
from datetime import date, datetime, time, timedelta

from board.accounts.models import Role, User
from board.agendas.models import AgendaItem
from board.boards.models import Board
from board.boards.services import first_meeting_on_or_after
from board.cases.models import (
    Case,
    CaseStatus,
    FirstOpinionSource,
    InsurerNotice,
    OpinionKind,
    Priority,
    QuestionCategory,
    RecordItem,
    RecordKind,
    Sex,
    StatusChange,
)
from board.cases.services import new_reference
from board.common.time import utcnow
from board.extensions import db
from board.sessions.models import BoardSession, SessionStatus
from board.sessions.services import generate_sessions
from board.specialists.models import Specialist, TimeOff
from board.vocabulary.models import DiseaseSite, Specialty
from board.vocabulary.services import seed_vocabularies

DEMO_LOGINS = {
    "password": "tumorboard-demo",
    "users": [
        ("admin@demo.example.org", "admin"),
        ("coordinator@demo.example.org", "coordinator"),
        ("dr.chen@demo.example.org", "specialist"),
    ],
}

CORE = ["surgical_oncology", "medical_oncology", "radiation_oncology", "radiology", "pathology"]

BOARDS = [
    # name, sites, extra required specialties, RRULE, local start, capacity minutes
    ("Breast Tumor Board", ["breast"], ["genetics"], "FREQ=WEEKLY;BYDAY=TU", time(7, 0), 60),
    (
        "Thoracic Tumor Board",
        ["lung", "thoracic_other"],
        [],
        "FREQ=WEEKLY;BYDAY=WE",
        time(7, 30),
        60,
    ),
    (
        "GI Tumor Board",
        ["colorectal", "pancreas", "upper_gi", "liver"],
        ["gastroenterology"],
        "FREQ=WEEKLY;BYDAY=TH",
        time(7, 0),
        90,
    ),
    (
        "GU Tumor Board",
        ["prostate", "bladder", "kidney"],
        ["urology"],
        "FREQ=WEEKLY;BYDAY=MO",
        time(12, 0),
        60,
    ),
    (
        "Gynecologic Tumor Board",
        ["ovary", "uterus", "cervix"],
        ["gynecologic_oncology"],
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        time(8, 0),
        60,
    ),
    (
        "Head and Neck Tumor Board",
        ["head_neck"],
        ["head_neck_surgery"],
        "FREQ=WEEKLY;BYDAY=TH",
        time(16, 0),
        60,
    ),
    (
        "Neuro-Oncology Tumor Board",
        ["brain"],
        ["neurosurgery"],
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        time(16, 0),
        60,
    ),
    ("Lymphoma Tumor Board", ["lymphoma"], ["hematology"], "FREQ=WEEKLY;BYDAY=FR", time(12, 0), 60),
]

FIRST_NAMES = [
    "Alex",
    "Maria",
    "Jamal",
    "Wei",
    "Sofia",
    "Noah",
    "Amara",
    "Lena",
    "Omar",
    "Grace",
    "Hiro",
    "Priya",
    "Tomas",
    "Ines",
    "Kofi",
    "Elena",
    "Ravi",
    "Hannah",
    "Luis",
    "Mina",
]
LAST_NAMES = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Haddad",
    "Novak",
    "Alvarez",
    "Singh",
    "Kowalski",
    "Brennan",
    "Castillo",
    "Nakamura",
    "Petrov",
    "Osei",
    "Fischer",
    "Reyes",
]
INSTITUTIONS = [
    "Riverside Community Hospital",
    "St. Anne Medical Center",
    "Lakeview Oncology",
    "Northgate Family Practice",
    "this center",
]
QUESTIONS = [
    ("Is neoadjuvant systemic therapy preferred over upfront surgery?", "systemic_therapy"),
    ("Confirm staging and advise on the role of adjuvant radiation.", "staging"),
    ("Second read of the pathology: grade and margin status disputed.", "pathology_review"),
    ("Candidate for a clinical trial after progression on first-line therapy?", "clinical_trial"),
    ("Is the lesion on restaging imaging recurrence or treatment effect?", "recurrence"),
    ("Surgical resectability after induction therapy?", "surgical_planning"),
]
DIAGNOSES = {
    "breast": "Invasive ductal carcinoma, left breast, cT2N1M0",
    "lung": "Adenocarcinoma of the right upper lobe, cT2aN2M0",
    "thoracic_other": "Thymoma, Masaoka stage II",
    "colorectal": "Adenocarcinoma of the sigmoid colon, pT3N1a",
    "pancreas": "Pancreatic ductal adenocarcinoma, borderline resectable",
    "upper_gi": "Gastric adenocarcinoma, cT3N1",
    "liver": "Hepatocellular carcinoma, BCLC B",
    "prostate": "Prostate adenocarcinoma, Gleason 4+3",
    "bladder": "Muscle-invasive urothelial carcinoma, cT2",
    "kidney": "Clear cell renal cell carcinoma, 6 cm",
    "ovary": "High-grade serous carcinoma, FIGO IIIC",
    "uterus": "Endometrioid endometrial carcinoma, grade 2",
    "cervix": "Squamous cell carcinoma of the cervix, FIGO IB2",
    "head_neck": "HPV-positive oropharyngeal squamous cell carcinoma",
    "brain": "Glioblastoma, IDH-wildtype",
    "lymphoma": "Diffuse large B-cell lymphoma, stage III",
}
TREATMENTS = [
    "Mastectomy then chemotherapy",
    "Concurrent chemoradiation",
    "Surgical resection",
    "Active surveillance",
    "Systemic therapy, then reassess",
    "",
]

# How many demo cases land in each status; every status is represented.
STATUS_MIX = [
    (CaseStatus.SUBMITTED, 15),
    (CaseStatus.AWAITING_RECORDS, 25),
    (CaseStatus.READY, 25),
    (CaseStatus.SCHEDULED, 25),
    (CaseStatus.DISCUSSED, 15),
    (CaseStatus.CLOSED, 10),
    (CaseStatus.WITHDRAWN, 5),
]


def database_is_empty() -> bool:
    """Whether no board has been registered yet."""
    return db.session.scalar(db.select(Board.id).limit(1)) is None


def seed_demo(today: date | None = None, seed: int = 7, scale: int = 1) -> str:
    """Insert the demo center and return a one-line summary.

    `scale` multiplies the boards and cases (the pages benchmark measures a 10× center).
    """
    rng = random.Random(seed)
    today = today or utcnow().date()
    seed_vocabularies()
    # Each board's first session is its first meeting in the seeded window; the
    # generate_sessions job later expands the same anchored rule, so the weeks agree.
    boards = add_boards(first_day=today - timedelta(weeks=3), scale=scale)
    specialists = add_specialists(rng, boards, today)
    add_users(specialists)
    sessions = []
    for board in boards:
        sessions += generate_sessions(board, today - timedelta(weeks=3), weeks=15)
    db.session.flush()
    cases = add_cases(rng, boards, specialists, sessions, today, scale)
    return (
        f"Demo data: {len(boards)} boards, {len(specialists)} specialists, "
        f"{len(sessions)} sessions, {len(cases)} cases."
    )


def add_boards(first_day: date, scale: int = 1) -> list[Board]:
    sites = {site.code: site for site in db.session.scalars(db.select(DiseaseSite))}
    specialties = {row.code: row for row in db.session.scalars(db.select(Specialty))}
    boards = []
    copies = [(copy, row) for copy in range(1, scale + 1) for row in BOARDS]
    for copy, (name, site_codes, extra, rule, start, capacity) in copies:
        board = Board(
            name=name if copy == 1 else f"{name} {copy}",
            recurrence=rule,
            recurrence_starts_on=first_meeting_on_or_after(rule, start, first_day),
            local_start_time=start,
            time_zone="America/New_York",
            duration_minutes=capacity,
            location=f"Cancer Center, Conference Room {len(boards) + 1}",
            video_link=f"https://video.example.org/tumor-board-{len(boards) + 1}",
            capacity_minutes=capacity,
            default_case_minutes=5,
            records_lead_business_days=3,
            agenda_freeze_hours=24,
            attendance_target_percent=75,
            sites=[sites[code] for code in site_codes],
            required_specialties=[specialties[code] for code in CORE + extra],
        )
        db.session.add(board)
        boards.append(board)
    db.session.flush()
    return boards


def add_specialists(rng: random.Random, boards: list[Board], today: date) -> list[Specialist]:
    """Three members of each core specialty shared across boards, plus each board's extras."""
    specialties = {row.code: row for row in db.session.scalars(db.select(Specialty))}
    people = []
    counter = 0

    def person(specialty: str, members: list[Board]) -> Specialist:
        nonlocal counter
        counter += 1
        first, last = rng.choice(FIRST_NAMES), LAST_NAMES[counter % len(LAST_NAMES)]
        email = (
            "dr.chen@demo.example.org"
            if counter == 1
            else f"{first.lower()}.{last.lower()}{counter}@demo.example.org"
        )
        specialist = Specialist(
            name=f"Dr. {'Wei' if counter == 1 else first} {'Chen' if counter == 1 else last}",
            email=email,
            specialty=specialties[specialty],
            boards=members,
            sites=sorted({site for board in members for site in board.sites}, key=lambda s: s.code),
        )
        db.session.add(specialist)
        people.append(specialist)
        return specialist

    halves = [boards[0::2], boards[1::2]]
    for specialty in CORE:
        for half in halves:
            for _ in range(3):
                person(specialty, half)
    for board in boards:
        for specialty in [s.code for s in board.required_specialties if s.code not in CORE]:
            person(specialty, [board])
    for specialty in ("palliative_care", "nurse_navigation", "clinical_trials"):
        person(specialty, boards)
    for specialist in rng.sample(people, 5):
        start = today + timedelta(days=rng.randint(3, 40))
        specialist.time_off.append(
            TimeOff(
                starts_on=start, ends_on=start + timedelta(days=rng.randint(2, 9)), reason="Leave"
            )
        )
    db.session.flush()
    return people


def add_users(specialists: list[Specialist]) -> None:
    for email, role in DEMO_LOGINS["users"]:
        linked = next((s for s in specialists if s.email == email), None)
        user = User(
            email=email,
            name=linked.name if linked else email.split("@")[0].title(),
            role=Role(role),
            specialist_id=linked.id if linked else None,
        )
        user.set_password(DEMO_LOGINS["password"])
        db.session.add(user)
    db.session.flush()


def add_cases(rng, boards, specialists, sessions, today, scale: int = 1) -> list[Case]:
    now = utcnow()
    coordinator = db.session.scalar(db.select(User).where(User.role == Role.COORDINATOR))
    future = [s for s in sessions if s.starts_at > now]
    past = [s for s in sessions if s.starts_at <= now]
    cases = []
    for status, count in STATUS_MIX:
        for _ in range(count * scale):
            board = rng.choice(boards)
            site = rng.choice(board.sites).code
            case = build_case(rng, board, site, specialists, status, today, now)
            db.session.add(case)
            db.session.flush()
            add_history(case, status, coordinator, now)
            if status == CaseStatus.SCHEDULED:
                place(case, [s for s in future if s.board_id == board.id], rng, coordinator)
            elif status in (CaseStatus.DISCUSSED, CaseStatus.CLOSED):
                place(case, [s for s in past if s.board_id == board.id], rng, coordinator)
            cases.append(case)
    for session in past:
        session.status = SessionStatus.HELD
    db.session.flush()
    return cases


def build_case(rng, board, site, specialists, status, today, now) -> Case:
    kind = rng.choices(list(OpinionKind), weights=[80, 10, 10])[0]
    requested = None
    if kind == OpinionKind.INDIVIDUAL:
        members = [s for s in specialists if board in s.boards]
        requested = rng.choice(members).id
    submitted_days_ago = rng.randint(1, 40)
    records_done = status not in (CaseStatus.SUBMITTED, CaseStatus.AWAITING_RECORDS)
    kinds = rng.sample(list(RecordKind)[:6], rng.randint(2, 4))
    if kind == OpinionKind.PATHOLOGY_REVIEW and RecordKind.SLIDES_BLOCKS not in kinds:
        kinds.append(RecordKind.SLIDES_BLOCKS)
    records = []
    for index, record_kind in enumerate(kinds):
        requested_on = today - timedelta(days=submitted_days_ago - 1)
        received = records_done or (status == CaseStatus.AWAITING_RECORDS and index % 2 == 0)
        records.append(
            RecordItem(
                kind=record_kind,
                requested_on=requested_on,
                received_on=requested_on + timedelta(days=rng.randint(1, 5)) if received else None,
            )
        )
    notice = rng.choice([InsurerNotice.NOT_REQUIRED, InsurerNotice.APPROVED])
    if status == CaseStatus.AWAITING_RECORDS and rng.random() < 0.3:
        notice = InsurerNotice.SENT
    priority = rng.choices(list(Priority), weights=[75, 20, 5])[0]
    question, category = rng.choice(QUESTIONS)
    return Case(
        reference=new_reference(),
        status=status,
        patient_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        patient_mrn=f"MRN{rng.randint(1000000, 9999999)}",
        patient_birth_date=date(rng.randint(1940, 1995), rng.randint(1, 12), rng.randint(1, 28)),
        patient_sex=Sex.FEMALE
        if site in ("breast", "ovary", "uterus", "cervix")
        else rng.choice([Sex.FEMALE, Sex.MALE]),
        referring_physician=f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        referring_institution=rng.choice(INSTITUTIONS),
        referring_email="referrals@clinic.example.org",
        first_opinion_source=rng.choice(list(FirstOpinionSource)),
        first_opinion_diagnosis=DIAGNOSES[site],
        first_opinion_treatment=rng.choice(TREATMENTS),
        site_code=site,
        opinion_kind=kind,
        clinical_question=question,
        question_category=QuestionCategory(category),
        priority=priority,
        submitted_at=now - timedelta(days=submitted_days_ago),
        decision_due_on=today + timedelta(days=rng.randint(7, 28)),
        discussion_minutes=rng.choice([None, 5, 5, 10]),
        requested_specialist_id=requested,
        presenting_physician=f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        insurer_notice=notice,
        insurer_notice_sent_on=(
            today - timedelta(days=3) if notice != InsurerNotice.NOT_REQUIRED else None
        ),
        records=records,
    )


PATH = [
    CaseStatus.SUBMITTED,
    CaseStatus.AWAITING_RECORDS,
    CaseStatus.READY,
    CaseStatus.SCHEDULED,
    CaseStatus.DISCUSSED,
    CaseStatus.CLOSED,
]


def add_history(case: Case, status: CaseStatus, coordinator: User, now: datetime) -> None:
    """A plausible status history ending at `status`."""
    steps = PATH[: PATH.index(status) + 1] if status in PATH else PATH[:2] + [status]
    previous = None
    for offset, step in enumerate(steps):
        case.status_changes.append(
            StatusChange(
                from_status=previous,
                to_status=step,
                changed_at=min(now, case.submitted_at + timedelta(hours=6 * offset)),
                changed_by_user_id=coordinator.id,
                changed_by_label=coordinator.display_name,
                reason="Demo history",
            )
        )
        previous = step


def place(case: Case, options: list[BoardSession], rng, coordinator: User) -> None:
    """Put the case on one of the options' agendas, as a coordinator would have."""
    if not options:
        return
    session = rng.choice(options[:4])
    position = db.session.scalar(
        db.select(db.func.count()).where(AgendaItem.session_id == session.id)
    )
    db.session.add(
        AgendaItem(
            session=session,
            case=case,
            position=position + 1,
            minutes=case.discussion_minutes or session.board.default_case_minutes,
            placed_by_user_id=coordinator.id,
        )
    )
