"""Benchmark of the calendar feeds against a static file of the same size on the same server.

Run from the repository root: `python -m bench.feeds [--duration 10] [--connections 16]`.
Builds a temporary SQLite database with a specialist on 6 boards (a 300-event feed) and one on
a single board (about 50 events), a year of weekly sessions and 15-case agendas, measures the
cold path in-process (every per-worker cache emptied before each request: the body, its
validators, its compressed forms), then loads gunicorn (2 workers) with wrk on loopback: full
responses and 304 revalidations of the 300-event feed and of a static file of the same bytes.
Targets (issue 10): cold build p50 <= 200 ms (300 events) and <= 50 ms (50 events); full feed
and 304 >= 90% of the static file's requests/s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "board" / "static"
CASES_PER_SESSION = 15
WEEKS = 52
FULL_TARGET, NOT_MODIFIED_TARGET = 0.90, 0.90
COLD_TARGET_MS = {300: 200.0, 50: 50.0}

# (name, site, weekday, local start, time zone): six boards a specialist could sit on.
BOARDS = [
    ("Breast Tumor Board", "breast", "MO", clock(7, 0), "America/New_York"),
    ("Thoracic Tumor Board", "lung", "TU", clock(7, 30), "America/New_York"),
    ("GI Tumor Board", "colorectal", "WE", clock(12, 0), "America/New_York"),
    ("Genitourinary Tumor Board", "prostate", "TH", clock(16, 0), "America/New_York"),
    ("Gynecologic Tumor Board", "ovary", "FR", clock(8, 0), "America/Chicago"),
    ("Head and Neck Tumor Board", "head_neck", "TH", clock(7, 0), "America/Chicago"),
]


def build_scenario(database_url: str, secret_key: str) -> tuple[str, str]:
    """Migrate a fresh database, fill it through the app's own services; return the feed
    secrets of the specialist on every board and of the one on a single board."""
    import flask_migrate

    from board import create_app
    from board.agendas.services import place_case
    from board.boards.services import create_board
    from board.cases.models import (
        CaseStatus,
        FirstOpinionSource,
        OpinionKind,
        Priority,
        QuestionCategory,
        Sex,
    )
    from board.cases.services import submit_case
    from board.extensions import db
    from board.feeds.services import issue_feed_token
    from board.sessions.services import generate_sessions
    from board.specialists.services import create_specialist
    from board.vocabulary.services import seed_vocabularies

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key})
    priorities = list(Priority)
    categories = list(QuestionCategory)
    kinds = list(OpinionKind)
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        seed_vocabularies()
        first_day = date.today() - timedelta(days=30)
        boards = []
        for name, site, weekday, starts, zone in BOARDS:
            board = create_board(
                {
                    "name": name,
                    "sites": [site],
                    "required_specialties": ["medical_oncology", "pathology"],
                    "recurrence": f"FREQ=WEEKLY;BYDAY={weekday}",
                    "local_start_time": starts,
                    "time_zone": zone,
                    "duration_minutes": 90,
                    "capacity_minutes": 90,
                    "default_case_minutes": 6,
                    "records_lead_business_days": 3,
                    "agenda_freeze_hours": 24,
                    "location": f"{name} room, Cancer Center",
                    "video_link": "https://video.example.org/" + name.split()[0].lower(),
                }
            )
            boards.append((board, site))
        specialist = create_specialist(
            {
                "name": "Dr. Bench Mark",
                "email": "bench.mark@example.org",
                "specialty": "pathology",
                "boards": [board.id for board, _ in boards],
            }
        )
        number = 0
        for board, site in boards:
            for session in generate_sessions(board, first_day, weeks=WEEKS):
                for _ in range(CASES_PER_SESSION):
                    number += 1
                    kind = kinds[number % len(kinds)]
                    case = submit_case(
                        {
                            "patient_name": f"Synthetic Patient {number}",
                            "patient_mrn": f"MRN{number:07d}",
                            "patient_birth_date": date(1950, 1, 1) + timedelta(days=number),
                            "patient_sex": Sex.FEMALE if number % 2 else Sex.MALE,
                            "referring_physician": "Dr. Referrer",
                            "referring_institution": "Riverside Hospital",
                            "referring_email": "referrals@riverside.example.org",
                            "first_opinion_source": FirstOpinionSource.ELSEWHERE,
                            "first_opinion_diagnosis": "Synthetic diagnosis",
                            "site": site,
                            "opinion_kind": kind,
                            "requested_specialist_id": (
                                specialist.id if kind == OpinionKind.INDIVIDUAL else None
                            ),
                            "priority": priorities[number % len(priorities)],
                            "question_category": categories[number % len(categories)],
                            "presenting_physician": f"Dr. Presenter {number % 40}",
                            "clinical_question": "What is the recommended next step?",
                            "decision_due_on": date.today() + timedelta(days=60),
                            "records": [],
                        }
                    )
                    case.status = CaseStatus.READY
                    place_case(case, session, None)
            db.session.commit()
        one_board = create_specialist(
            {
                "name": "Dr. One Board",
                "email": "one.board@example.org",
                "specialty": "radiology",
                "boards": [boards[0][0].id],
            }
        )
        _, feed_secret = issue_feed_token(specialist_id=specialist.id, label="bench")
        _, small_secret = issue_feed_token(specialist_id=one_board.id, label="bench")
        db.session.commit()
        db.engine.dispose()
    return feed_secret, small_secret


def measure_build(database_url: str, secret_key: str, feed_secret: str, runs: int) -> dict:
    """Full in-process feed requests with every per-worker cache empty: queries, rendering,
    hashing (the cold path a worker takes after any change or a restart)."""
    from board import create_app
    from board.feeds import caching

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key})
    client = app.test_client()
    url = f"/feeds/{feed_secret}.ics"
    timings, body = [], b""
    for _ in range(runs + 1):  # the first run warms imports and the time-zone cache
        for cache in (caching.rendered_feeds, caching.feed_validators, caching.compressed_feeds):
            cache.items.clear()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the feed answered {response.status_code} in-process")
        body = response.data
    with app.app_context():
        from board.extensions import db

        db.engine.dispose()
    timings = timings[1:]
    return {
        "p50_ms": statistics.median(timings),
        "max_ms": max(timings),
        "bytes": len(body),
        "events": body.count(b"BEGIN:VEVENT"),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_serving(port: int, path: str, server: subprocess.Popen, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            status, _, _ = fetch(port, path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving in time")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s and latency percentiles from `wrk --latency` output."""
    percentiles = {
        int(p): to_ms(value)
        for p, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if rate is None or 50 not in percentiles or 99 not in percentiles:
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    return {
        "rps": float(rate.group(1)),
        "p50_ms": percentiles[50],
        "p99_ms": percentiles[99],
        "bad_responses": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def run_wrk(url: str, headers: dict, threads: int, connections: int, seconds: int) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    return parse_wrk(result.stdout)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}"


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per scenario")
    parser.add_argument("--builds", type=int, default=10, help="in-process cold builds")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: `apt-get install -y wrk` (or run `make bench-feeds`).",
            file=sys.stderr,
        )
        return 2
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        print(f"gunicorn not found next to {sys.executable}", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    static_file = STATIC_DIR / f"bench-feed-{os.getpid()}.ics"
    server = None
    try:
        database_url = f"sqlite:///{workdir / 'board.sqlite3'}"
        secret_key = secrets.token_urlsafe(32)
        (workdir / "instance").mkdir()

        started = time.perf_counter()
        feed_secret, small_secret = build_scenario(database_url, secret_key)
        print(f"Scenario built in {time.perf_counter() - started:.1f} s", flush=True)

        builds = {
            name: measure_build(database_url, secret_key, secret, args.builds)
            for name, secret in (("large", feed_secret), ("small", small_secret))
        }
        for build in builds.values():
            print(
                f"Cold feed build (in-process, every cache empty, {args.builds} runs): "
                f"p50 {build['p50_ms']:.1f} ms, max {build['max_ms']:.1f} ms, "
                f"{build['bytes'] / 1024:.0f} KB, {build['events']} events",
                flush=True,
            )

        port = free_port()
        feed_path = f"/feeds/{feed_secret}.ics"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FLASK_SECRET_KEY": secret_key,
        }
        server = subprocess.Popen(
            [str(gunicorn), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}"]
            + ["--log-level", "warning", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        wait_until_serving(port, feed_path, server)

        status, headers, body = fetch(port, feed_path)
        feed_etag = headers["ETag"]
        # The same bytes as a static file, so both paths send exactly as much.
        static_file.write_bytes(body)
        static_path = f"/static/{static_file.name}"
        status, headers, static_body = fetch(port, static_path)
        if status != 200 or len(static_body) != len(body):
            raise RuntimeError(f"static file answered {status} with {len(static_body)} bytes")
        static_etag = headers["ETag"]
        for path, etag in ((feed_path, feed_etag), (static_path, static_etag)):
            status, _, _ = fetch(port, path, {"If-None-Match": etag})
            if status != 304:
                raise RuntimeError(f"{path.split('/')[1]} revalidation answered {status}")

        base = f"http://127.0.0.1:{port}"
        # Each feed run sits next to its static twin, and the rounds alternate, so a change
        # in the machine's load (it is shared) hits both sides of a ratio alike.
        scenarios = [
            ("static file, full GET", static_path, {}, len(body)),
            ("feed, full GET", feed_path, {}, len(body)),
            ("static file, 304", static_path, {"If-None-Match": static_etag}, 0),
            ("feed, 304", feed_path, {"If-None-Match": feed_etag}, 0),
        ]
        for _, path, request_headers, _ in scenarios:
            run_wrk(base + path, request_headers, args.threads, args.connections, args.warmup)
        runs: dict[str, list[dict]] = {name: [] for name, *_ in scenarios}
        for round_number in range(1, args.rounds + 1):
            for name, path, request_headers, _ in scenarios:
                result = run_wrk(
                    base + path, request_headers, args.threads, args.connections, args.duration
                )
                if result["bad_responses"] or result["socket_errors"]:
                    print(
                        f"warning: {name}: {result['bad_responses']} bad responses, "
                        f"{result['socket_errors']} socket errors",
                        file=sys.stderr,
                    )
                runs[name].append(result)
                print(f"  round {round_number}, {name}: {result['rps']:.0f} requests/s", flush=True)
        results = {
            name: {
                "bytes": size,
                **{
                    key: statistics.median(run[key] for run in runs[name])
                    for key in ("rps", "p50_ms", "p99_ms")
                },
            }
            for name, _, _, size in scenarios
        }
    finally:
        if server is not None:
            stop(server)
        static_file.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)

    def paired_share(feed: str, static: str) -> float:
        """Median over rounds of the feed's rate over its static twin's in the same round."""
        pairs = zip(runs[feed], runs[static], strict=True)
        return statistics.median(ours["rps"] / theirs["rps"] for ours, theirs in pairs)

    full_share = paired_share("feed, full GET", "static file, full GET")
    revalidation_share = paired_share("feed, 304", "static file, 304")
    full_ok, revalidation_ok = full_share >= FULL_TARGET, revalidation_share >= NOT_MODIFIED_TARGET
    cold_ok = {
        name: build["p50_ms"] <= COLD_TARGET_MS[300 if name == "large" else 50]
        for name, build in builds.items()
    }

    print()
    print(f"Machine: {machine()}; Python {sys.version.split()[0]}")
    print(
        f"Scenario: 1 specialist on {len(BOARDS)} boards, {WEEKS} weekly sessions each, "
        f"{CASES_PER_SESSION} cases per agenda; gunicorn {args.workers} sync workers, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s on loopback, "
        f"median of {args.rounds} alternating rounds; SQLite."
    )
    print()
    print("| cold build (every cache empty) | events | KB | p50 ms | max ms | target | result |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, build in builds.items():
        target = COLD_TARGET_MS[300 if name == "large" else 50]
        print(
            f"| {'6 boards' if name == 'large' else '1 board'} | {build['events']} | "
            f"{build['bytes'] / 1024:.0f} | {build['p50_ms']:.1f} | {build['max_ms']:.1f} | "
            f"≤ {target:.0f} | {'PASS' if cold_ok[name] else 'FAIL'} |"
        )
    print()
    print("| scenario | bytes | requests/s | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for name, result in results.items():
        print(
            f"| {name} | {result['bytes']:,} | {result['rps']:,.0f} | "
            f"{result['p50_ms']:.2f} | {result['p99_ms']:.2f} |"
        )
    print()
    print("| feed / static (median of per-round ratios) | share | target | result |")
    print("|---|---:|---:|---|")
    print(
        f"| full GET | {full_share:.0%} | ≥ {FULL_TARGET:.0%} | {'PASS' if full_ok else 'FAIL'} |"
    )
    print(
        f"| 304 | {revalidation_share:.0%} | ≥ {NOT_MODIFIED_TARGET:.0%} | "
        f"{'PASS' if revalidation_ok else 'FAIL'} |"
    )
    return 0 if full_ok and revalidation_ok and all(cold_ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
