"""`/api/v1/specialties` and `/api/v1/disease-sites`: seeded, admin-editable vocabularies."""

import pytest

from board.vocabulary.models import DISEASE_SITES, SPECIALTIES

KINDS = ["specialties", "disease-sites"]
SEEDED = {"specialties": SPECIALTIES, "disease-sites": DISEASE_SITES}


def codes(api, kind: str) -> list[str]:
    response = api.get(f"/api/v1/{kind}")
    assert response.status_code == 200
    return [term["code"] for term in response.get_json()]


@pytest.mark.parametrize(
    ("kind", "expected"), [("specialties", "pathology"), ("disease-sites", "breast")]
)
@pytest.mark.parametrize("role", ["admin", "coordinator", "specialist"])
def test_everyone_reads_the_seeded_lists(api_as, kind, expected, role):
    response = api_as(role).get(f"/api/v1/{kind}")
    assert response.status_code == 200
    terms = response.get_json()
    listed = [term["code"] for term in terms]
    assert expected in listed
    assert listed == sorted(SEEDED[kind])  # every seeded code, by code
    first = terms[0]
    assert set(first) == {"code", "name", "active", "version"}
    assert first["name"] == SEEDED[kind][first["code"]] and first["active"] is True


@pytest.mark.parametrize(
    ("kind", "code", "name"),
    [("specialties", "pathology", "Pathology"), ("disease-sites", "breast", "Breast")],
)
def test_get_one_term_with_etag(api, kind, code, name):
    response = api.get(f"/api/v1/{kind}/{code}")
    assert response.status_code == 200
    assert response.get_json() == {"code": code, "name": name, "active": True, "version": 1}
    table = "specialties" if kind == "specialties" else "disease_sites"
    assert response.headers["ETag"] == f'"{table}-{code}-v1"'


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_term_is_404(api, kind):
    response = api.get(f"/api/v1/{kind}/atlantis")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_vocabulary_is_404(api):
    assert api.get("/api/v1/horoscopes").status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_admin_adds_a_term(api_as, kind):
    admin = api_as("admin")
    response = admin.post(f"/api/v1/{kind}", json={"code": "tumor_genomics", "name": "Genomics"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "code": "tumor_genomics",
        "name": "Genomics",
        "active": True,
        "version": 1,
    }
    assert response.headers["Location"].endswith(f"/api/v1/{kind}/tumor_genomics")
    assert admin.get(response.headers["Location"]).get_json()["name"] == "Genomics"
    assert "tumor_genomics" in codes(admin, kind)


def test_new_specialty_can_be_used_at_once(api_as):
    admin = api_as("admin")
    added = admin.post(
        "/api/v1/specialties", json={"code": "psycho_oncology", "name": "Psycho-oncology"}
    )
    assert added.status_code == 201
    response = admin.post(
        "/api/v1/specialists",
        json={"name": "Dr. P", "email": "p@example.org", "specialty": "psycho_oncology"},
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("role", "scope"), [("coordinator", "write"), ("specialist", "write"), ("admin", "read")]
)
def test_only_admins_with_write_tokens_add_terms(api, api_as, kind, role, scope):
    response = api_as(role, scope).post(f"/api/v1/{kind}", json={"code": "newcode", "name": "New"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "newcode" not in codes(api, kind)


def test_no_credentials_is_401(client):
    response = client.get("/api/v1/specialties")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("kind", "body", "field", "fragment"),
    [
        ("specialties", {"code": "pathology", "name": "Again"}, "code", "already exists"),
        ("disease-sites", {"code": "breast", "name": "Again"}, "code", "already exists"),
        ("specialties", {"code": "Pathology2", "name": "Caps"}, "code", "lowercase"),
        ("specialties", {"code": "has space", "name": "Space"}, "code", "lowercase"),
        ("specialties", {"code": "1st", "name": "Digit first"}, "code", "lowercase"),
        ("specialties", {"code": "x", "name": "Too short"}, "code", "lowercase"),
        ("specialties", {"code": "a" * 41, "name": "Too long"}, "code", "lowercase"),
        ("disease-sites", {"code": "skin-melanoma", "name": "Dash"}, "code", "lowercase"),
        ("disease-sites", {"code": "skin", "name": ""}, "name", "length"),
        ("disease-sites", {"code": "skin"}, "name", "required"),
    ],
)
def test_bad_term_is_422_and_writes_nothing(api_as, kind, body, field, fragment):
    admin = api_as("admin")
    before = admin.get(f"/api/v1/{kind}").get_json()
    response = admin.post(f"/api/v1/{kind}", json=body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["details"], error
    assert fragment.lower() in str(error["details"][field]).lower()
    assert admin.get(f"/api/v1/{kind}").get_json() == before


@pytest.mark.parametrize("kind", KINDS)
def test_admin_renames_with_if_match(api_as, kind):
    admin = api_as("admin")
    code = "pathology" if kind == "specialties" else "breast"
    etag = admin.get(f"/api/v1/{kind}/{code}").headers["ETag"]
    response = admin.patch(
        f"/api/v1/{kind}/{code}", json={"name": "Renamed"}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Renamed"
    assert response.get_json()["code"] == code
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] != etag
    assert admin.get(f"/api/v1/{kind}/{code}").get_json()["name"] == "Renamed"


def test_rename_with_stale_etag_is_412_and_writes_nothing(api_as):
    admin = api_as("admin")
    stale = admin.get("/api/v1/specialties/genetics").headers["ETag"]
    first = admin.patch(
        "/api/v1/specialties/genetics",
        json={"name": "Clinical genetics"},
        headers={"If-Match": stale},
    )
    assert first.status_code == 200
    second = admin.patch(
        "/api/v1/specialties/genetics", json={"name": "Genomics"}, headers={"If-Match": stale}
    )
    assert second.status_code == 412
    assert second.get_json()["error"]["code"] == "stale_version"
    assert admin.get("/api/v1/specialties/genetics").get_json()["name"] == "Clinical genetics"


def test_rename_without_if_match_is_428(api_as):
    admin = api_as("admin")
    response = admin.patch("/api/v1/specialties/genetics", json={"name": "Genomics"})
    assert response.status_code == 428
    assert admin.get("/api/v1/specialties/genetics").get_json()["name"] == "Genetics"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"code": "gene"}, "code"), ({"active": "maybe"}, "active")],
)
def test_bad_rename_is_422_and_writes_nothing(api_as, body, field):
    admin = api_as("admin")
    before = admin.get("/api/v1/specialties/genetics")
    response = admin.patch(
        "/api/v1/specialties/genetics", json=body, headers={"If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    assert admin.get("/api/v1/specialties/genetics").get_json() == before.get_json()


def test_coordinator_may_not_rename(api, api_as):
    response = api.patch(
        "/api/v1/specialties/genetics", json={"name": "Genomics"}, headers={"If-Match": "*"}
    )
    assert response.status_code == 403
    assert api.get("/api/v1/specialties/genetics").get_json()["name"] == "Genetics"


def test_deactivated_term_is_refused_for_new_references(api_as):
    admin = api_as("admin")
    etag = admin.get("/api/v1/specialties/genetics").headers["ETag"]
    response = admin.patch(
        "/api/v1/specialties/genetics", json={"active": False}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert "genetics" in codes(admin, "specialties")  # still listed, marked inactive
    refused = admin.post(
        "/api/v1/specialists",
        json={"name": "Dr. G", "email": "g@example.org", "specialty": "genetics"},
    )
    assert refused.status_code == 422
    assert "specialty" in refused.get_json()["error"]["details"]
