"""Worklists, summaries and the DPRD page; the KPU partner API. All audited."""

import csv
import json

import pytest
from django.core.exceptions import PermissionDenied

from adminduk.accounts.testing import login_verified
from adminduk.accounts.tokens import issue_token
from adminduk.audit.models import AuditEntry
from adminduk.elections import actions, queries
from adminduk.elections.reference import ensure_reference_elections

from .helpers import GAMBIR, build_register, list_row, write_list

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run(cast, tmp_path):
    p = build_register()
    rows = [list_row(p["budi"], nama="BUDI SANTOSA"), list_row(p["mati"]), list_row(p["tni"])]
    path = write_list(tmp_path / "dps.csv", rows)
    return p, actions.do_reconcile(ensure_reference_elections(), path, actor=cast["dinas"], reason="uji",
                                   out=tmp_path / "hasil")


def test_an_officer_gets_the_worklist_of_their_kelurahan_and_it_is_audited(run, cast):
    p, run = run
    result = queries.worklist(cast["officer_gambir"], run, GAMBIR, purpose="coklit")
    categories = {r["category"] for r in result.rows}
    assert "data_berbeda" in categories and "belum_terdaftar" in categories
    assert all(r["category"] != "meninggal" for r in result.rows)  # that one is in Cakung
    entry = AuditEntry.objects.filter(action="kpu.worklist").latest("seq")
    assert p["budi"].nik in entry.niks and entry.row_count == len(result.rows)


def test_an_officer_cannot_open_another_kelurahans_worklist(run, cast):
    _, run = run
    with pytest.raises(PermissionDenied):
        queries.worklist(cast["officer_gambir"], run, "31.75.06.1001", purpose="coklit")
    assert AuditEntry.objects.filter(action="kpu.worklist.refused").exists()
    with pytest.raises(PermissionDenied):
        queries.worklist(cast["dprd"], run, GAMBIR, purpose="coklit")


def test_the_worklist_page_shows_names_only_within_jurisdiction(run, cast, client):
    p, run = run
    login_verified(client, cast["officer_gambir"])
    page = client.get(f"/pemilu/rekonsiliasi/{run.pk}/kelurahan/{GAMBIR}/")
    assert page.status_code == 200 and "BUDI SANTOSA" in page.content.decode()
    assert client.get(f"/pemilu/rekonsiliasi/{run.pk}/kelurahan/31.75.06.1001/").status_code == 403


def test_the_dinas_summary_drills_down_from_kota_to_kelurahan(run, cast, client):
    _, run = run
    login_verified(client, cast["dinas"])
    page = client.get(f"/pemilu/rekonsiliasi/{run.pk}/").content.decode()
    assert "Jakarta Timur" in page and "Jakarta Pusat" in page
    page = client.get(f"/pemilu/rekonsiliasi/{run.pk}/?wilayah=31.71.01").content.decode()
    assert f"/kelurahan/{GAMBIR}/" in page


def test_the_dprd_sees_aggregates_with_small_counts_suppressed_and_no_names(run, cast, client):
    _, run = run
    data = queries.dprd_summary(run)
    assert data["totals"]["meninggal"] == "< 10"
    login_verified(client, cast["dprd"])
    page = client.get("/pemilu/ringkasan/").content.decode()
    assert "&lt; 10" in page and "BUDI" not in page
    assert client.get(f"/pemilu/rekonsiliasi/{run.pk}/kelurahan/{GAMBIR}/").status_code == 403


# --- partner API ------------------------------------------------------------------------

def _token(user, scopes=("elections.dp4", "elections.lists")):
    return issue_token(user, institution="KPU Provinsi DKI Jakarta", name="uji", scopes=list(scopes), fields=[])[1]


def _headers(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_X_PURPOSE": "pemutakhiran daftar pemilih"}


def test_kpu_fetches_the_copy_assigned_to_it_and_the_download_is_audited(cast, client, tmp_path):
    build_register()
    extract, copy = actions.do_create_extract(ensure_reference_elections(), actor=cast["dinas"], reason="uji",
                                              version="2023-S1", recipient_user=cast["kpu"], out=tmp_path / "kpu")
    other = actions.do_hand_over_copy(extract, recipient="Bawaslu", actor=cast["dinas"], reason="uji")
    h = _headers(_token(cast["kpu"]))
    listed = client.get("/api/elections/dp4", **h).json()
    assert [c["id"] for c in listed] == [copy.pk]
    response = client.get(f"/api/elections/dp4/{copy.pk}/csv", **h)
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and len(list(csv.DictReader(body.splitlines()))) == extract.eligible
    assert AuditEntry.objects.filter(action="dp4.download", row_count=extract.eligible).exists()
    assert client.get(f"/api/elections/dp4/{other.pk}/csv", **h).status_code == 404


def test_kpu_uploads_a_list_and_reads_its_summary(cast, client, tmp_path):
    p = build_register()
    ensure_reference_elections()
    path = write_list(tmp_path / "dpt.csv", [list_row(p["budi"]), list_row(p["mati"])])
    h = _headers(_token(cast["kpu"]))
    with open(path, "rb") as fh:
        response = client.post("/api/elections/lists", {"election": "pemilu-2024", "file": fh}, **h)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["rows"] == 2 and data["counts"]["meninggal"] == 1
    again = client.get(f"/api/elections/lists/{data['id']}", **h).json()
    assert again["counts"] == data["counts"] and again["per_kota"]["31.75"]["meninggal"] == 1
    assert AuditEntry.objects.filter(action="kpu.reconcile", username="kpu").exists()


def test_the_api_refuses_without_scope_or_for_other_roles(cast, client):
    ensure_reference_elections()
    h = _headers(_token(cast["kpu"], scopes=("elections.lists",)))
    assert client.get("/api/elections/dp4", **h).json()["code"] == "scope_denied"
    staff = _headers(_token(cast["dinas"]))
    assert client.get("/api/elections/dp4", **staff).status_code == 403
    bad = json.loads(client.post("/api/elections/lists", {"election": "tidak-ada"},
                                 **_headers(_token(cast["kpu"]))).content)
    assert bad["code"] == "validation_error"


def test_a_lone_small_cell_is_hidden_with_its_complement_so_totals_do_not_reveal_it(regions):
    from adminduk.elections.models import Reconciliation, ReconciliationCount

    run = Reconciliation.objects.create(election=ensure_reference_elections(), list_name="uji", list_sha256="0" * 64,
                                        path="/nonexistent", rows=1000, unreadable=0, matched=990, counts={})
    for code, n in (("31.01.01.1001", 3), ("31.71.01.1001", 40), ("31.75.06.1001", 25)):
        ReconciliationCount.objects.create(reconciliation=run, kelurahan_code=code, category="meninggal", count=n)
    shown = {r["code"]: r["counts"]["meninggal"] for r in queries.dprd_summary(run)["rows"]}
    assert shown == {"31.01": "< 10", "31.71": "40", "31.75": queries.HIDDEN}


def test_the_index_lists_extracts_for_the_dinas_and_sends_the_dprd_to_aggregates(run, cast, client, tmp_path):
    _, run = run
    actions.do_create_extract(ensure_reference_elections(), actor=cast["dinas"], reason="uji", version="S1",
                              out=tmp_path / "kpu")
    login_verified(client, cast["dinas"])
    page = client.get("/pemilu/").content.decode()
    assert "S1" in page and "Anggota TNI" in page and f"/pemilu/rekonsiliasi/{run.pk}/" in page
    client.logout()
    login_verified(client, cast["dprd"])
    assert client.get("/pemilu/").url == "/pemilu/ringkasan/"
    client.logout()
    login_verified(client, cast["kpu"])
    assert client.get("/pemilu/").status_code == 403
