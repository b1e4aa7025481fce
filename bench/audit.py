"""Benchmark: what writing audit rows adds to a request's time.

Run from the repository root: `python -m bench.audit [--requests 300]` (SQLite in a temporary
folder; set `DATABASE_URL` to measure on PostgreSQL). Loads the demo center, then times the
case page (logged-in coordinator) and the case API read (bearer token) in-process, in
alternating rounds with the audit hook on and off. Target (issue 15): at most +10%.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.10


def build_app(database_url: str):
    import flask_migrate

    from board import create_app
    from board.demo.seed import seed_demo
    from board.extensions import db

    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "localhost"}
    )
    with app.app_context():
        flask_migrate.upgrade()
        if db.session.execute(db.text("SELECT count(*) FROM cases")).scalar() == 0:
            seed_demo()
            db.session.commit()
    return app


def timed(client, path: str, headers: dict, count: int) -> list[float]:
    """Milliseconds per request."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        response.get_data()
        response.close()  # ends the request: its teardown is part of its time
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples


def time_one_append(app, count: int) -> float:
    """Median milliseconds to append one row and commit, as the request hook does."""
    from board.audit.services import append_events
    from board.database import own_write_connection

    event = {
        "actor": "coordinator@demo.example.org",
        "action": "read",
        "category": "case",
        "case_id": 1,
        "endpoint": "cases.case_page",
        "method": "GET",
        "client_address": "127.0.0.1",
        "outcome": "success",
        "status_code": 200,
    }
    samples = []
    with app.test_request_context("/"):
        for _ in range(count):
            started = time.perf_counter()
            with own_write_connection() as connection:
                append_events([event], connection)
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(port: int, path: str, headers: dict) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def http_login(port: int, email: str, password: str) -> str:
    """The session cookie of a fresh login through the form."""
    _status, headers, body = http_get(port, "/login", {})
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    form = f"email={email}&password={password}&csrf_token={token.decode()}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie").split(";", 1)[0]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http_get(port, "/healthz", {})
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


def main_http(requests: int) -> None:
    """Two gunicorn servers on one database, with and without the hook, alternately."""
    from board.accounts.services import create_api_token, get_user_by_email
    from board.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = build_app(url)
        with app.app_context():
            case_id = db.session.execute(db.text("SELECT min(id) FROM cases")).scalar()
            token = create_api_token(get_user_by_email("coordinator@demo.example.org"))
            db.session.commit()
            db.engine.dispose()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "FLASK_SECRET_KEY": "bench",
            "FLASK_SESSION_COOKIE_SECURE": "false",
        }
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        ports = {True: free_port(), False: free_port()}
        servers = [
            subprocess.Popen(
                [gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{ports[audited]}", module],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for audited, module in ((True, "wsgi:app"), (False, "bench.audit_off:app"))
        ]
        try:
            for port in ports.values():
                wait_for(port)
            cookie = http_login(ports[True], "coordinator@demo.example.org", "tumorboard-demo")
            runs = {
                "case page": (f"/cases/{case_id}", {"Cookie": cookie}),
                "case API read": (f"/api/v1/cases/{case_id}", {"Authorization": f"Bearer {token}"}),
            }
            results: dict[tuple[str, bool], list[float]] = {}
            for name, (path, headers) in runs.items():
                for number in range(2 * requests + 20):
                    audited = number % 2 == 0
                    started = time.perf_counter()
                    status, _headers, _body = http_get(ports[audited], path, headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert status == 200, (name, status)
                    if number >= 20:  # the first ones warm both servers up
                        results.setdefault((name, audited), []).append(elapsed)
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    backend = url.split(":", 1)[0]
    print(f"audit overhead over HTTP (gunicorn, 1 worker each, {backend}, {requests} each way)")
    for name in runs:
        with_audit = statistics.median(results[(name, True)])
        without = statistics.median(results[(name, False)])
        overhead = with_audit / without - 1
        print(
            f"  {name:<14} median {without:6.2f} ms without, {with_audit:6.2f} ms with audit: "
            f"{with_audit - without:+.2f} ms ({overhead:+.1%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--http", action="store_true", help="through gunicorn over HTTP")
    options = parser.parse_args()
    if options.http:
        main_http(options.requests)
        return

    from board.accounts.services import create_api_token, get_user_by_email
    from board.extensions import db
    from tests.helpers import log_in

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = build_app(url)
        with app.app_context():
            case_id = db.session.execute(db.text("SELECT min(id) FROM cases")).scalar()
            token = create_api_token(get_user_by_email("coordinator@demo.example.org"))
            db.session.commit()
        page_client = app.test_client()
        log_in(page_client, "coordinator@demo.example.org", password="tumorboard-demo")
        api_headers = {"Authorization": f"Bearer {token}"}
        hooks = app.after_request_funcs[None]
        audit_hook = next(hook for hook in hooks if hook.__name__ == "audit_request")
        runs = {
            "case page": (page_client, f"/cases/{case_id}", {}),
            "case API read": (app.test_client(), f"/api/v1/cases/{case_id}", api_headers),
        }
        results: dict[tuple[str, bool], list[float]] = {}
        for name, (client, path, headers) in runs.items():
            timed(client, path, headers, 20)  # warm caches and the connection pool
            # Requests alternate with and without the hook, so the machine's load (shared
            # cores) falls on both alike.
            for number in range(2 * options.requests):
                audited = number % 2 == 0
                if not audited:
                    hooks.remove(audit_hook)
                try:
                    samples = timed(client, path, headers, 1)
                finally:
                    if not audited:
                        hooks.append(audit_hook)
                results.setdefault((name, audited), []).extend(samples)
        isolated = time_one_append(app, options.requests)
        with app.app_context():
            rows = db.session.execute(db.text("SELECT count(*) FROM audit_events")).scalar()
            db.engine.dispose()

    backend = url.split(":", 1)[0]
    print(f"audit overhead per request ({backend}, {options.requests} requests each way)")
    worst = 0.0
    for name in runs:
        with_audit = statistics.median(results[(name, True)])
        without = statistics.median(results[(name, False)])
        overhead = with_audit / without - 1
        worst = max(worst, overhead)
        print(
            f"  {name:<14} median {without:6.2f} ms without, {with_audit:6.2f} ms with audit: "
            f"{with_audit - without:+.2f} ms ({overhead:+.1%})"
        )
    print(f"  one audit row appended and committed on its own: median {isolated:.2f} ms")
    for name in runs:
        without = statistics.median(results[(name, False)])
        print(f"    = {isolated / without:.1%} of the {name}'s median time")
    print(f"  audit rows written: {rows}")
    print(f"  target <= +{TARGET:.0%}: {'met' if worst <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
