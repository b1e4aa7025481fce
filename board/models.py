"""Import every model so the metadata (and Alembic) sees all tables."""

from board.accounts.models import ApiToken, LoginAttempt, LoginSession, User
from board.agendas.models import AgendaItem
from board.audit.models import AuditEvent
from board.boards.models import Board
from board.cases.models import Case, RecordItem, StatusChange
from board.feeds.models import FeedToken
from board.jobs.models import JobFiring
from board.meetings.models import MeetingFinish, MeetingOutcome
from board.notifications.models import Notification
from board.planning.models import CasePlacementNote, ScheduleRun
from board.sessions.models import BoardSession, SessionAttendance
from board.specialists.models import Specialist, TimeOff
from board.vocabulary.models import DiseaseSite, Specialty

__all__ = [
    "AgendaItem",
    "ApiToken",
    "AuditEvent",
    "Board",
    "BoardSession",
    "Case",
    "CasePlacementNote",
    "DiseaseSite",
    "FeedToken",
    "JobFiring",
    "LoginAttempt",
    "LoginSession",
    "MeetingFinish",
    "MeetingOutcome",
    "Notification",
    "RecordItem",
    "ScheduleRun",
    "SessionAttendance",
    "Specialist",
    "Specialty",
    "StatusChange",
    "TimeOff",
    "User",
]
