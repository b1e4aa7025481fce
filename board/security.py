"""CSRF on every cookie-authenticated write, and the security headers of every response."""

import base64
import hashlib
import re

from flask import Flask, request
from flask_login import current_user

from board.database import SAFE_METHODS
from board.extensions import csrf

# No inline script or style anywhere: the pages' code lives in board/static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Assets may be cached; everything else may carry patient data and is never stored.
CACHEABLE_ENDPOINTS = frozenset({"static", "pages.vendor_asset"})
# flask-smorest's Swagger UI page has one inline script (no patient data, no user input):
# it is allowed by its hash alone, and Swagger UI's own inline styles on that page only.
API_DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def register_security(app: Flask) -> None:
    """Check CSRF for browser writes; bearer-token calls carry no ambient credentials."""
    csrf.init_app(app)

    @app.before_request
    def check_csrf() -> None:
        if request.method in SAFE_METHODS:
            return
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return
        # An API call with no login at all has no ambient credentials to abuse: let the
        # role check answer it with 401 rather than a CSRF error.
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            return
        csrf.protect()

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", content_security_policy(response))
        if request.is_secure:
            headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            # Calendar feeds keep their own "private, no-cache" for conditional requests.
            headers.setdefault("Cache-Control", "no-store")
        return response


def content_security_policy(response) -> str:
    """The policy for this response: the strict one, except on the API's documentation."""
    if request.endpoint != API_DOCS_ENDPOINT or response.direct_passthrough:
        return CONTENT_SECURITY_POLICY
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(response.get_data())
    )
    return CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' {hashes}"
    ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
