"""The audit history through the API: who, when, what changed (old → new), why; scoped; exportable."""
import csv
import io

import pytest

from registry.models import LabResult

pytestmark = pytest.mark.django_db


def _edit_lab(client_for, alice, records_a):
    lab = records_a[LabResult]
    client_for(alice).patch(f"/api/lab-results/{lab.pk}/", {"value": "12.5"}, format="json",
                            HTTP_IF_MATCH='"1"', HTTP_X_CHANGE_REASON="typo in the lab sheet")
    return lab


def test_investigator_reads_who_changed_what_and_why(client_for, alice, bob, records_a):
    lab = _edit_lab(client_for, alice, records_a)
    history = client_for(bob).get(f"/api/audit/lab-results/?record={lab.pk}").json()["results"]
    changed, created = history
    assert (changed["type"], changed["who"], changed["reason"]) == ("changed", "alice", "typo in the lab sheet")
    assert {c["field"]: (c["old"], c["new"]) for c in changed["changes"]} == {
        "value": (5.0, 12.5), "below_detection": (True, False)}
    assert created["type"] == "created" and {"field": "analyte", "old": None, "new": "IGA"} in created["changes"]


def test_removed_records_stay_in_the_history_of_their_site(client_for, alice, bob, dave, records_a):
    lab = records_a[LabResult]
    client_for(alice).delete(f"/api/lab-results/{lab.pk}/?reason=duplicate", HTTP_IF_MATCH='"1"')
    [removed, _] = client_for(bob).get(f"/api/audit/lab-results/?record={lab.pk}").json()["results"]
    assert (removed["type"], removed["reason"]) == ("deleted", "duplicate")
    assert client_for(dave).get(f"/api/audit/lab-results/?record={lab.pk}").json()["results"] == []


def test_history_filters_by_type_and_user(client_for, alice, bob, records_a):
    _edit_lab(client_for, alice, records_a)
    client = client_for(bob)
    assert [e["type"] for e in client.get("/api/audit/lab-results/?type=~").json()["results"]] == ["changed"]
    assert client.get("/api/audit/lab-results/?user=bob").json()["results"] == []


def test_history_exports_as_csv_one_row_per_changed_field(client_for, alice, bob, records_a):
    lab = _edit_lab(client_for, alice, records_a)
    response = client_for(bob).get(f"/api/audit/lab-results/csv/?record={lab.pk}")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    changed = [(r["field"], r["old"], r["new"]) for r in rows if r["type"] == "changed"]
    assert changed == [("value", "5.0", "12.5"), ("below_detection", "True", "False")]
    assert rows[0]["type"] == "created" and rows[0]["who"] == "alice"


def test_unknown_history_kind_is_404(client_for, bob):
    assert client_for(bob).get("/api/audit/passwords/").status_code == 404


def test_superuser_reads_every_sites_history(client_for, admin_user, records_a, records_b):
    rows = client_for(admin_user).get("/api/audit/patients/").json()["results"]
    assert {row["record_id"] for row in rows} == {records_a[LabResult].patient_id, records_b[LabResult].patient_id}
