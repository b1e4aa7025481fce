"""Benchmark: does the login form's answer time tell whether an account exists?

Run from the repository root: `python -m bench.login_timing [--tries 40]`. Builds a temporary
SQLite database with one user (scrypt, the production hash), then alternates wrong-password
logins for the known email and for unknown ones (fresh addresses, so throttling never answers
instead), and prints the median answer time of each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=40)
    options = parser.parse_args()

    import flask_migrate

    from board import create_app
    from board.accounts.services import create_user
    from board.extensions import db
    from tests.helpers import csrf_token_from

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                "SERVER_NAME": "localhost",
                "LOGIN_MAX_FAILURES_PER_ACCOUNT": 10**6,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            create_user("known@example.org", "coordinator", "plum kettle orbit seventy")
            db.session.commit()
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for number in range(2 * options.tries):
            which = "known" if number % 2 == 0 else "unknown"
            email = "known@example.org" if which == "known" else f"nobody{number}@example.org"
            client = app.test_client()
            client.environ_base = {"REMOTE_ADDR": f"10.0.{number // 250}.{number % 250}"}
            token = csrf_token_from(client.get("/login").data)
            started = time.perf_counter()
            response = client.post(
                "/login", data={"email": email, "password": "wrong guess", "csrf_token": token}
            )
            times[which].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 422
        with app.app_context():
            db.engine.dispose()
    print(f"login answer time, wrong password, {options.tries} tries each (scrypt)")
    for which, samples in times.items():
        print(f"  {which:<8} email: median {statistics.median(samples):7.1f} ms")


if __name__ == "__main__":
    main()
