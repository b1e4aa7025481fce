"""A heartbeat on every engine run while its process works on it, in any process.

A run starts in the scheduler or in a web worker (`POST /api/v1/schedule/runs`). When the
process dies mid-run (SIGKILL, OOM, a worker timeout) nothing can record the failure, so the
run's `heartbeat_at` stops moving and the scheduler leader marks it failed
(`services.fail_abandoned_runs`). One daemon thread per process beats for the runs it knows
are in progress and ends when there are none.
"""

import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy import event, update

from board.common.time import utcnow
from board.extensions import db
from board.planning.models import RunOutcome, ScheduleRun, this_process

log = logging.getLogger(__name__)


class RunHeartbeat:
    """The runs in progress in this process, and the thread that beats for them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.run_ids: set[int] = set()
        self.thread: threading.Thread | None = None

    def started(self, app: Flask, run_id: int) -> None:
        """Beat for this run until it is finished."""
        with self.lock:
            self.run_ids.add(run_id)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self.beat, args=(app,), name="run-heartbeat", daemon=True
                )
                self.thread.start()

    def finished(self, run_id: int) -> None:
        with self.lock:
            self.run_ids.discard(run_id)

    def beat(self, app: Flask) -> None:
        """Refresh the heartbeat of the runs in progress; stop when none is left."""
        period = app.config["SCHEDULE_RUN_HEARTBEAT_SECONDS"]
        while True:
            time.sleep(period)
            with self.lock:
                run_ids = set(self.run_ids)
                if not run_ids:
                    self.thread = None
                    return
            try:
                with app.app_context():
                    beating = db.session.scalars(
                        update(ScheduleRun)
                        .where(
                            ScheduleRun.id.in_(run_ids),
                            ScheduleRun.outcome == RunOutcome.RUNNING,
                        )
                        .values(heartbeat_at=utcnow())
                        .returning(ScheduleRun.id)
                    ).all()
                    db.session.commit()
                    db.session.remove()
                # A run finished (or deleted) behind the ORM's back needs no more beats.
                with self.lock:
                    self.run_ids -= run_ids - set(beating)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the threshold allows it
                log.warning("run heartbeat missed", exc_info=True)


HEARTBEAT = RunHeartbeat()


@event.listens_for(ScheduleRun, "after_insert")
def beat_for_new_run(_mapper, _connection, run: ScheduleRun) -> None:
    if run.outcome == RunOutcome.RUNNING and run.owner == this_process():
        HEARTBEAT.started(current_app._get_current_object(), run.id)


@event.listens_for(ScheduleRun, "after_update")
def stop_beating_for_finished_run(_mapper, _connection, run: ScheduleRun) -> None:
    if run.outcome != RunOutcome.RUNNING:
        HEARTBEAT.finished(run.id)
