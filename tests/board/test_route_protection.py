"""Every route checks a role, except a short, deliberate list of public ones."""

# Public on purpose: logging in, static assets, the API description, health checks, and the
# calendar feed pages whose URL token is itself the credential. Home and logout check login.
PUBLIC = {
    "static",
    "accounts.login",
    "accounts.logout",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "dashboard.home",
    "pages.health",
    "pages.readiness",
    "pages.vendor_asset",
    "feeds.calendar_feed",
    "feeds.attendance",
}


def test_every_other_route_requires_a_role(app):
    unguarded = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "required_roles", None) is None
    }
    assert unguarded == PUBLIC


def test_logged_out_browser_is_sent_to_login(client):
    for path in ("/", "/cases", "/boards", "/specialists"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    assert client.post("/logout").status_code == 400  # a form POST without its CSRF token
