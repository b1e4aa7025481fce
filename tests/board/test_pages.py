"""Every page renders for a coordinator, and for a specialist only what they may see."""

from tests.helpers import csrf_of


def test_every_page_renders_for_a_coordinator(client, login, center, ready_case, make_case):
    login("coordinator")
    case_id = ready_case()
    make_case(records=[{"kind": "imaging"}], insurer_notice="required_not_sent")
    session_id = center["sessions"][0]
    specialist_id = center["people"]["pathology"]
    pages = [
        "/",
        "/cases",
        "/cases/new",
        f"/cases/{case_id}",
        f"/cases/{case_id}/edit",
        f"/sessions/{session_id}/agenda",
        f"/sessions/{session_id}/agenda/print",
        f"/sessions/{session_id}/meeting",
        "/boards",
        "/boards/new",
        f"/boards/{center['board_id']}",
        "/specialists",
        f"/specialists/{specialist_id}",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b"Traceback" not in response.data
        if not page.endswith("/print"):
            csrf_of(response.data)
