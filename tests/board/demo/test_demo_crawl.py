"""Crawl the demo center as each role: every linked page answers without a server error,
and no URL carries patient data."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from board.cases.models import Case
from board.demo.seed import DEMO_LOGINS, seed_demo
from board.extensions import db
from tests.helpers import log_in

LINK = re.compile(rb'href="([^"#]+)"')
SKIP = ("/logout", "/static/", "/api/v1/docs", "/feeds/", "webcal:")


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
        patients = db.session.execute(db.select(Case.patient_name, Case.patient_mrn)).all()
    return patients


@pytest.mark.parametrize("email, role", DEMO_LOGINS["users"])
def test_every_linked_page_renders(app, client, demo, email, role):
    assert log_in(client, email, DEMO_LOGINS["password"]).status_code == 302
    seen, queue = set(), ["/"]
    while queue and len(seen) < 120:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, path
        # Pages link only to what the role may open: no broken or forbidden links.
        assert response.status_code in (200, 302), (path, response.status_code)
        for name, mrn in demo:
            assert name.replace(" ", "%20") not in path and mrn not in path
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in LINK.findall(response.data):
            target = urljoin("http://localhost" + path, href.decode())
            parts = urlsplit(target)
            if parts.netloc not in ("localhost", "") or target.startswith(SKIP):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not local.startswith(SKIP) and local not in seen:
                queue.append(local)
    assert len(seen) > (10 if role != "specialist" else 3)
