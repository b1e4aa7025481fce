"""Intake refuses a requested specialist who sits on no board for the case's site; the picker
tells namesakes apart by specialty and boards."""

from tests.helpers import case_json, csrf_of, intake_form


def test_the_api_refuses_a_specialist_on_no_board_for_the_site(
    api, center, make_board, make_specialist
):
    lung = make_board(name="Thoracic Tumor Board", sites=["lung"])
    elsewhere = make_specialist(name="Dr. Ines Novak", specialty="pathology", boards=[lung])
    body = case_json(opinion_kind="individual", requested_specialist_id=elsewhere)
    refused = api.post("/api/v1/cases", json=body)
    assert refused.status_code == 422
    [message] = refused.get_json()["error"]["details"]["requested_specialist_id"]
    assert message.startswith("Dr. Ines Novak sits on no board covering Breast")
    assert "Thoracic Tumor Board" in message

    on_board = center["people"]["pathology"]
    accepted = api.post(
        "/api/v1/cases", json=case_json(opinion_kind="individual", requested_specialist_id=on_board)
    )
    assert accepted.status_code == 201, accepted.get_json()


def test_the_intake_page_shows_name_specialty_and_boards_and_refuses_inline(
    app, client, login, center, make_board, make_specialist
):
    lung = make_board(name="Thoracic Tumor Board", sites=["lung"])
    make_specialist(name="Dr. Ines Novak", specialty="pathology", boards=[center["board_id"]])
    other = make_specialist(name="Dr. Ines Novak", specialty="radiology", boards=[lung])
    login("coordinator")
    page = client.get("/cases/new").data.decode()
    assert "Dr. Ines Novak — Pathology · Breast Tumor Board" in page
    assert "Dr. Ines Novak — Diagnostic radiology · Thoracic Tumor Board" in page
    form = intake_form(
        csrf_token=csrf_of(page.encode()),
        opinion_kind="individual",
        requested_specialist_id=str(other),
    )
    refused = client.post("/cases/new", data=form)
    assert refused.status_code == 422
    assert b'id="requested_specialist_id-error"' in refused.data
    assert b"sits on no board covering Breast" in refused.data
