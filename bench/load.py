"""Load benchmark: the mix of issue 16 against gunicorn on loopback, driven by `hey`.

Run from the repository root: `python -m bench.load [--rate 50] [--duration 60]`
(`make bench-load`). Builds a temporary SQLite database with the demo center (or uses
`--database-url`), starts gunicorn on 127.0.0.1 with the repository's `gunicorn.conf.py`, and
drives four request kinds in equal shares, one `hey` process each:

  dashboard   GET /                              (a coordinator's session cookie)
  cases API   GET /api/v1/cases                  (a coordinator's bearer token)
  feed        GET /feeds/<token>.ics             (a specialist's feed)
  agenda      GET /sessions/<id>/agenda          (a coordinator's session cookie)

Phase 1, saturation: 8 connections per kind, as fast as they go, for `--saturation-seconds`;
prints requests/s. Phase 2, fixed rate: `--rate` requests/s in total (each kind a quarter,
paced by `hey -q` per connection) for `--duration` s; prints p50/p99 and errors (non-2xx,
timeouts after `--timeout` s, refused connections). Every phase is bounded in time, every
connection is on loopback. Targets (issue 16, 2 cores): saturation >= 150 req/s; at 50 req/s
for 60 s, 0 errors and p99 < 250 ms.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import http.cookiejar
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COORDINATOR = "coordinator@demo.example.org"
PASSWORD = "tumorboard-demo"
SATURATION_CONNECTIONS = 8  # per kind
HEY_USER_AGENT = "hey/0.0.1"
FIXED_RATE_CONNECTIONS = 10  # per kind: enough that a slow answer does not stall the pace


def build_demo(database_url: str, secret_key: str) -> dict:
    """Migrate, load the demo center; return a token, a feed secret and an agenda to fetch."""
    import flask_migrate

    from board import create_app
    from board.accounts.services import create_api_token, get_user_by_email
    from board.agendas.models import AgendaItem
    from board.demo.seed import seed_demo
    from board.extensions import db
    from board.feeds.services import issue_feed_token
    from board.sessions.models import BoardSession
    from board.specialists.models import Specialist

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key, "LOG_FORMAT": "text"}
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(db.select(db.func.count(BoardSession.id))) == 0:
            seed_demo()
        token = create_api_token(get_user_by_email(COORDINATOR), scope="read", label="bench")
        specialist = db.session.scalar(db.select(Specialist).order_by(Specialist.id))
        _, feed_secret = issue_feed_token(specialist_id=specialist.id, label="bench")
        session_id = db.session.scalar(
            db.select(AgendaItem.session_id)
            .group_by(AgendaItem.session_id)
            .order_by(db.func.count().desc())
        )
        db.session.commit()
        db.engine.dispose()
    return {"token": token, "feed": feed_secret, "session_id": session_id}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def log_in(base: str) -> str:
    """A coordinator's session cookie, through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The login is bound to the browser's identity (Flask-Login's session protection).
    # hey always sends its own User-Agent, whatever it is given.
    opener.addheaders = [("User-Agent", HEY_USER_AGENT)]
    page = opener.open(f"{base}/login", timeout=30).read()
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        rb'name="csrf_token" value="([^"]+)"', page
    )
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"email": COORDINATOR, "password": PASSWORD, "csrf_token": match.group(1).decode()}
    ).encode()
    opener.open(f"{base}/login", data=form, timeout=30).read()
    cookie = next((c for c in jar if c.name == "session"), None)
    if cookie is None:
        raise RuntimeError("logging in gave no session cookie")
    return f"session={cookie.value}"


def request_kinds(base: str, scenario: dict, cookie: str) -> dict[str, tuple[str, list[str]]]:
    """Each kind's URL and `hey` header options."""
    return {
        "dashboard": (f"{base}/", ["-H", f"Cookie: {cookie}"]),
        "cases API": (
            f"{base}/api/v1/cases",
            ["-H", f"Authorization: Bearer {scenario['token']}"],
        ),
        "feed": (f"{base}/feeds/{scenario['feed']}.ics", []),
        "agenda": (f"{base}/sessions/{scenario['session_id']}/agenda", ["-H", f"Cookie: {cookie}"]),
    }


def run_hey(
    kinds: dict, seconds: float, connections: int, rate_per_connection: float | None, timeout: float
) -> dict[str, list[tuple[float, int]]]:
    """Run one `hey` per kind at once; (seconds, status) per request, status 0 for an error."""
    processes = {}
    for name, (url, headers) in kinds.items():
        command = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-t", str(int(timeout))]
        command += ["-disable-redirects", "-o", "csv", *headers]
        if rate_per_connection:
            command += ["-q", f"{rate_per_connection:g}"]
        processes[name] = subprocess.Popen(
            [*command, url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
    results = {}
    for name, process in processes.items():
        output, _ = process.communicate(timeout=seconds + timeout + 60)
        results[name] = parse_hey_csv(output)
    return results


def parse_hey_csv(output: str) -> list[tuple[float, int]]:
    """hey's CSV: response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,
    status-code,offset. Requests that failed (timeout, refused) are not listed by hey."""
    rows = []
    for row in csv.DictReader(io.StringIO(output)):
        try:
            rows.append((float(row["response-time"]), int(row["status-code"])))
        except (KeyError, ValueError):
            continue
    return rows


def drain_seconds(port: int, limit: float = 120.0) -> float:
    """Seconds until the server answers a cheap request again once the load has stopped."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    return float("inf")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarize(results: dict, seconds: float, expected: int | None = None) -> list[str]:
    lines = []
    every = [row for rows in results.values() for row in rows]
    for name, rows in [*results.items(), ("all", every)]:
        times = [t * 1000 for t, _ in rows]
        ok = [t * 1000 for t, status in rows if 200 <= status < 300]
        shed = [t * 1000 for t, status in rows if status == 503]
        other = len(rows) - len(ok) - len(shed)
        lines.append(
            f"  {name:<10} {len(ok) / seconds:6.1f} ok/s  p50 {percentile(times, 0.5):6.0f} ms"
            f"  p99 {percentile(times, 0.99):6.0f} ms  (2xx only: p50 {percentile(ok, 0.5):6.0f}"
            f" p99 {percentile(ok, 0.99):6.0f})  503 {len(shed)}"
            f" (p99 {percentile(shed, 0.99):4.0f} ms)  other errors {other}"
        )
    if expected is not None:
        lost = max(expected - len(every), 0)
        lines.append(
            f"  offered {expected} requests, answered {len(every)}, lost (timeouts, refused) {lost}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="total requests/s, phase 2")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of phase 2")
    parser.add_argument("--saturation-seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before a timeout")
    parser.add_argument("--database-url", help="default: a temporary SQLite database")
    parser.add_argument(
        "--gunicorn-option",
        action="append",
        default=[],
        help="extra gunicorn option, e.g. --gunicorn-option=--workers=3",
    )
    args = parser.parse_args()
    if shutil.which("hey") is None:
        sys.exit("hey is not installed: apt-get install hey (make bench-load does it)")

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'board.sqlite3'}"
    secret_key = secrets.token_urlsafe(32)
    print("building the demo center ...", flush=True)
    scenario = build_demo(database_url, secret_key)

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLASK_SECRET_KEY": secret_key,
        "FLASK_LOG_FORMAT": "text",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            *args.gunicorn_option,
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "gunicorn.log").open("w"),
        start_new_session=True,
    )
    try:
        wait_until_serving(port, server)
        base = f"http://127.0.0.1:{port}"
        kinds = request_kinds(base, scenario, log_in(base))
        for _attempt in range(5):  # warm every worker's imports and caches, one at a time
            warm = run_hey(kinds, 4, 1, None, args.timeout)
            statuses = {status for rows in warm.values() for _, status in rows}
            if statuses - {200, 503}:
                sys.exit(f"unexpected answers while warming up: {sorted(statuses)}")
            if all(any(s == 200 for _, s in rows) for rows in warm.values()):
                break

        print(
            f"\nsaturation: {SATURATION_CONNECTIONS} connections per kind, "
            f"{args.saturation_seconds:g} s",
            flush=True,
        )
        saturated = run_hey(
            kinds, args.saturation_seconds, SATURATION_CONNECTIONS, None, args.timeout
        )
        print("\n".join(summarize(saturated, args.saturation_seconds)), flush=True)
        time.sleep(5)  # let abandoned work drain before the next phase

        per_connection = args.rate / len(kinds) / FIXED_RATE_CONNECTIONS
        print(
            f"\nfixed rate: {args.rate:g} req/s for {args.duration:g} s, timeout "
            f"{args.timeout:g} s",
            flush=True,
        )
        fixed = run_hey(kinds, args.duration, FIXED_RATE_CONNECTIONS, per_connection, args.timeout)
        print("\n".join(summarize(fixed, args.duration, int(args.rate * args.duration))))
        print(
            f"  drained: /healthz answered 200 {drain_seconds(port):.2f} s after the load stopped"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nmachine: {os.cpu_count()} cores, load average now {load}")


if __name__ == "__main__":
    main()
