"""Benchmark of the coordinator's pages on the demo center and on a center 10× its size.

Run from the repository root: `python -m bench.pages [--requests 60] [--scales 1,10]`.
For each size: a temporary SQLite database, migrated and seeded (`seed_demo(scale=…)`), one
applied scheduler run, then the dashboard and the busiest upcoming agenda requested through
the app (Flask's test client, one process, signed in as the demo coordinator). Prints each
page's median and p99 in milliseconds and the SQL statements one request runs.
Targets (issue 9): dashboard p50 <= 50 ms on the demo data, <= 150 ms at 10×.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

from board import create_app
from board.agendas.models import AgendaItem
from board.demo.seed import DEMO_LOGINS, seed_demo
from board.extensions import db
from board.planning.services import run_assignment
from tests.helpers import log_in

TARGETS = {("dashboard", 1): 50.0, ("dashboard", 10): 150.0}


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def measure(client, path: str, requests: int) -> tuple[float, float]:
    """Median and p99 in ms of `requests` GETs of `path` (after two warm-ups)."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return statistics.median(timings), percentile(timings, 0.99)


def count_statements(app, client, path: str) -> int:
    """How many SQL statements one request of `path` runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def bench_scale(scale: int, requests: int) -> list[tuple]:
    """Seed a center of `scale` × the demo and time its pages."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-pages-{scale}x-"))
    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'b.sqlite3'}"}
    )
    with app.app_context():
        upgrade()
        summary = seed_demo(scale=scale)
        db.session.commit()
        run_assignment("scheduled")
        db.session.commit()
        busiest = db.session.scalar(
            db.select(AgendaItem.session_id)
            .group_by(AgendaItem.session_id)
            .order_by(db.func.count().desc(), AgendaItem.session_id)
            .limit(1)
        )
    client = app.test_client()
    coordinator = next(e for e, role in DEMO_LOGINS["users"] if role == "coordinator")
    log_in(client, coordinator, DEMO_LOGINS["password"])
    rows = []
    for name, path in (("dashboard", "/"), ("agenda", f"/sessions/{busiest}/agenda")):
        p50, p99 = measure(client, path, requests)
        statements = count_statements(app, client, path)
        rows.append((scale, summary, name, p50, p99, statements, TARGETS.get((name, scale))))
    return rows


def main() -> None:
    """Print the pages' figures for every scale asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--scales", default="1,10")
    options = parser.parse_args()
    print("| center | page | p50 ms | p99 ms | SQL statements | target p50 |")
    print("|---|---|---|---|---|---|")
    for scale in (int(part) for part in options.scales.split(",")):
        rows = bench_scale(scale, options.requests)
        label = "demo" if scale == 1 else f"{scale}× demo"
        for _scale, _summary, name, p50, p99, statements, target in rows:
            goal = f"≤ {target:.0f} ms {'met' if p50 <= target else 'MISSED'}" if target else "—"
            print(f"| {label} | {name} | {p50:.1f} | {p99:.1f} | {statements} | {goal} |")
        print(f"<!-- {label}: {rows[0][1]} -->")


if __name__ == "__main__":
    main()
