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


# --- the role x route matrix, against the written policy of docs/security.md ---------------

# Who may use each route: "admin", "staff" (admins and coordinators) or "everyone" (admins,
# coordinators, specialists). "own" routes are everyone's for their own records and staff's
# for anyone's: the matrix calls them on a colleague's records, where a specialist is refused.
# Pages take browser sessions only; the API also takes tokens, which act with their owner's
# role (a coordinator here), a read token only for GET.
POLICY = {
    "accounts.password_change": "everyone",
    "accounts.user_create": "admin",
    "accounts.user_list": "admin",
    "accounts.user_page": "admin",
    "accounts.user_password": "admin",
    "accounts.user_save": "admin",
    "accounts.user_unlock": "admin",
    "agendas.minutes": "staff",
    "agendas.pin": "staff",
    "agendas.place": "staff",
    "agendas.print_agenda": "everyone",
    "agendas.publish": "staff",
    "agendas.remove": "staff",
    "agendas.reorder": "staff",
    "agendas.session_agenda": "everyone",
    "audit.event_list": "admin",
    "audit.export_events": "admin",
    "audit_api.export_events": "admin",
    "audit_api.list_events": "admin",
    "boards.board_edit": "staff",
    "boards.board_list": "staff",
    "boards.board_new": "staff",
    "boards_api.create_board": "staff",
    "boards_api.get_board": "everyone",
    "boards_api.list_boards": "everyone",
    "boards_api.update_board": "staff",
    "cases.case_edit": "staff",
    "cases.case_list": "everyone",
    "cases.case_new": "staff",
    "cases.case_page": "everyone",
    "cases.case_transition": "staff",
    "cases.insurer_notice": "staff",
    "cases.record_add": "staff",
    "cases.record_received": "staff",
    "cases_api.add_records": "staff",
    "cases_api.get_case": "everyone",
    "cases_api.list_cases": "everyone",
    "cases_api.list_records": "everyone",
    "cases_api.submit_case": "staff",
    "cases_api.transition_case": "staff",
    "cases_api.update_case": "staff",
    "cases_api.update_record": "staff",
    "feeds.link_issue": "own",
    "feeds.link_revoke": "own",
    "feeds.link_rotate": "own",
    "feeds_api.create_feed_token": "own",
    "feeds_api.list_feed_tokens": "own",
    "feeds_api.revoke_feed_token": "own",
    "feeds_api.rotate_feed_token": "own",
    "feeds_api.session_ics": "everyone",
    "meetings.attendance": "staff",
    "meetings.finish": "staff",
    "meetings.meeting": "staff",
    "meetings.outcome": "staff",
    "meetings.undo_finish": "staff",
    "notifications.caught_mail": "staff",
    "notifications.deliveries": "admin",
    "notifications.inbox": "everyone",
    "notifications.read": "everyone",
    "notifications.read_all": "everyone",
    "notifications.retry": "admin",
    "notifications_api.failed_deliveries": "admin",
    "notifications_api.list_own": "everyone",
    "notifications_api.mark_read": "everyone",
    "notifications_api.retry_failed_delivery": "admin",
    "planning.find_session": "staff",
    "planning.run_scheduler": "staff",
    "schedule_api.get_placement": "everyone",
    "schedule_api.get_run": "staff",
    "schedule_api.list_runs": "staff",
    "schedule_api.request_run": "staff",
    "sessions_api.create_session": "staff",
    "sessions_api.get_session": "everyone",
    "sessions_api.list_sessions": "everyone",
    "sessions_api.update_session": "staff",
    "specialists.specialist_list": "staff",
    "specialists.specialist_page": "own",
    "specialists.specialist_save": "staff",
    "specialists.time_off_add": "own",
    "specialists.time_off_remove": "own",
    "specialists_api.add_time_off": "own",
    "specialists_api.create_specialist": "staff",
    "specialists_api.get_specialist": "everyone",
    "specialists_api.list_specialists": "everyone",
    "specialists_api.list_time_off": "own",
    "specialists_api.remove_time_off": "own",
    "specialists_api.update_specialist": "staff",
    "tokens_api.create_token": "everyone",
    "tokens_api.list_tokens": "everyone",
    "tokens_api.revoke_token": "everyone",
    "users_api.create_user": "admin",
    "users_api.get_user": "admin",
    "users_api.list_locked_logins": "admin",
    "users_api.list_users": "admin",
    "users_api.reset_password": "admin",
    "users_api.unlock_login": "admin",
    "users_api.update_user": "admin",
    "vocabulary_api.add_term": "admin",
    "vocabulary_api.get_term": "everyone",
    "vocabulary_api.list_terms": "everyone",
    "vocabulary_api.update_term": "admin",
}
ROLES_OF = {
    "admin": {"admin"},
    "staff": {"admin", "coordinator"},
    "own": {"admin", "coordinator"},  # on a colleague's records
    "everyone": {"admin", "coordinator", "specialist"},
}
PRINCIPALS = ("anonymous", "admin", "coordinator", "specialist", "write_token", "read_token")
TOKEN_OWNER_ROLE = "coordinator"


def allowed(endpoint: str, method: str, principal: str) -> bool:
    """What the written policy says about one principal on one route and method."""
    roles = ROLES_OF[POLICY[endpoint]]
    if principal == "anonymous":
        return False
    if principal.endswith("_token"):
        is_api = endpoint.split(".")[0].endswith("_api")
        if not is_api or (principal == "read_token" and method != "GET"):
            return False
        return TOKEN_OWNER_ROLE in roles
    return principal in roles


def refused(response, principal: str) -> bool:
    """401, 403, 404, or a login redirect; for a browser with no session at all also a
    page write's CSRF refusal (400), since it has no token to send."""
    if response.status_code == 302:
        return "/login" in response.headers.get("Location", "")
    return response.status_code in (401, 403) or (
        response.status_code == 400 and principal == "anonymous"
    )


def test_every_route_is_in_the_policy_or_public(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(POLICY) | PUBLIC


def test_role_by_route_matrix(app, client, make_user, make_case, center, token_for):
    from flask import url_for

    from board.accounts.models import User
    from board.accounts.services import create_api_token
    from board.extensions import db
    from tests.helpers import csrf_of, log_in

    case_id = make_case(records=[{"kind": "pathology_report"}])
    colleague = center["people"]["pathology"]
    spare_user, _ = make_user("coordinator")
    clients, headers = {}, {}
    for principal in PRINCIPALS:
        clients[principal] = app.test_client()
        headers[principal] = {}
    for role in ("admin", "coordinator", "specialist"):
        _user_id, email = make_user(role)
        assert log_in(clients[role], email).status_code == 302
        headers[role] = {"X-CSRFToken": csrf_of(clients[role].get("/").data)}
    with app.app_context():
        owner = db.session.get(User, make_user(TOKEN_OWNER_ROLE)[0])
        for scope in ("write", "read"):
            secret = create_api_token(owner, scope=scope)
            headers[f"{scope}_token"] = {"Authorization": f"Bearer {secret}"}
        db.session.commit()
    values = {
        "case_id": case_id,
        "session_id": center["sessions"][0],
        "board_id": center["board_id"],
        "specialist_id": colleague,
        "owner_kind": "specialists",
        "owner_id": colleague,
        "user_id": spare_user,
        "record_id": 1,
        "entry_id": 1,
        "time_off_id": 1,
        "token_id": 1,
        "notification_id": 1,
        "run_id": 1,
        "kind": "disease-sites",
        "code": "breast",
    }
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in PUBLIC:
            continue
        with app.test_request_context():
            path = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for principal in PRINCIPALS:
                expected = allowed(rule.endpoint, method, principal)
                if expected and method != "GET":
                    continue  # the matrix writes nothing: allowed writes have their own tests
                body = {"json": {}} if path.startswith("/api/") else {"data": {}}
                response = clients[principal].open(
                    path, method=method, headers=headers[principal], **body
                )
                denied = refused(response, principal) or (
                    response.status_code == 404 and not expected
                )
                if denied == expected:
                    wrong.append(f"{method} {path} as {principal}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
