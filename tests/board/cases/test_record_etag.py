"""Records take the ETag they were read with."""

from board.common.time import today


def test_record_update_checks_the_records_own_etag(api, make_case):
    case_id = make_case(records=[{"kind": "labs"}])
    record_id = api.get(f"/api/v1/cases/{case_id}/records").get_json()[0]["id"]
    first = api.patch(f"/api/v1/cases/{case_id}/records/{record_id}", json={"note": "asked"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = api.patch(
        f"/api/v1/cases/{case_id}/records/{record_id}",
        json={"received_on": today().isoformat()},
        headers={"If-Match": etag},
    )
    assert again.status_code == 200
    stale = api.patch(
        f"/api/v1/cases/{case_id}/records/{record_id}",
        json={"note": "overwrite"},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    records = api.get(f"/api/v1/cases/{case_id}/records").get_json()
    assert records[0]["note"] == "asked" and records[0]["received_on"] == today().isoformat()
