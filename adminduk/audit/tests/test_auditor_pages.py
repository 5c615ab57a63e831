"""The auditor's page and the audit queries: who may read the log, filters, paging,
and "who accessed this person"."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from adminduk.accounts.testing import login_verified
from adminduk.audit import chain
from adminduk.audit.actions import record
from adminduk.audit.models import AuditEntry
from adminduk.audit.queries import LogFilters, accesses_for_nik, search_log
from adminduk.registry.queries import get_person_by_nik
from adminduk.testing import CAKUNG_BARAT, make_family, make_person


@pytest.fixture
def log(cast):
    person = make_person(name="Budi Santoso")
    get_person_by_nik(cast["officer_gambir"], person.nik, purpose="pelayanan KK", ip="10.1.1.1")
    get_person_by_nik(cast["dinas"], person.nik, purpose="verifikasi data", ip="10.1.1.2")
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_gambir", "kecamatan_gambir", "sudin_jaktim", "dinas", "dprd", "kpu"])
def test_only_the_auditor_reads_the_log(client, cast, who):
    login_verified(client, cast[who])
    assert client.get(reverse("audit:log")).status_code == 403
    with pytest.raises(PermissionDenied):
        search_log(cast[who], LogFilters())


@pytest.mark.django_db
def test_the_auditor_sees_the_log_and_the_chain_status(client, cast, log):
    chain.verify()
    login_verified(client, cast["auditor"])
    response = client.get(reverse("audit:log"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "pelayanan KK" in body and log.nik in body and "Utuh" in body
    assert "Log audit" in body  # the navigation entry


@pytest.mark.django_db
def test_the_auditors_search_is_itself_audited(client, cast, log):
    login_verified(client, cast["auditor"])
    client.get(reverse("audit:log"), {"nik": log.nik})
    entry = AuditEntry.objects.filter(action="audit.search").get()
    assert entry.username == "auditor" and f"nik={log.nik}" in entry.query


@pytest.mark.django_db
def test_filters_narrow_the_log(cast, log):
    auditor = cast["auditor"]
    by_user = search_log(auditor, LogFilters(username="gambir")).entries
    assert [e.purpose for e in by_user] == ["pelayanan KK"]
    by_role = search_log(auditor, LogFilters(role="dinas", action="person.read")).entries
    assert [e.username for e in by_role] == ["dinas.admin"]
    by_nik = search_log(auditor, LogFilters(nik=log.nik, action="person.read")).entries
    assert len(by_nik) == 2
    by_purpose = search_log(auditor, LogFilters(purpose="VERIFIKASI")).entries
    assert [e.username for e in by_purpose] == ["dinas.admin"]
    today = dt.date.today()
    assert search_log(auditor, LogFilters(date_from=today + dt.timedelta(days=2))).entries == []
    assert len(search_log(auditor, LogFilters(date_from=today - dt.timedelta(days=1),
                                              date_to=today + dt.timedelta(days=1), action="person.read")).entries) == 2


@pytest.mark.django_db
def test_the_log_pages_by_seq_without_gaps_or_repeats(cast):
    for i in range(12):
        record(cast["dinas"], "person.read", purpose=f"uji {i}", niks=["3171010101900001"])
    seen, before = [], None
    while True:
        page = search_log(cast["auditor"], LogFilters(action="person.read", before_seq=before), page_size=5)
        seen += [e.seq for e in page.entries]
        if page.next_before is None:
            break
        before = page.next_before
    assert len(seen) == 12 and seen == sorted(seen, reverse=True) and len(set(seen)) == 12


@pytest.mark.django_db
def test_a_bad_filter_is_shown_next_to_its_field(client, cast):
    login_verified(client, cast["auditor"])
    response = client.get(reverse("audit:log"), {"nik": "123", "date_from": "2026-02-10", "date_to": "2026-02-01"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "nik" in form.errors and "date_to" in form.errors
    assert response.context["page"] is None


@pytest.mark.django_db
def test_staff_see_who_accessed_a_person_in_their_area(cast, log):
    accesses = accesses_for_nik(cast["officer_gambir"], log.nik)
    assert [(e.username, e.purpose) for e in accesses][:2] == [("dinas.admin", "verifikasi data"),
                                                               ("gambir", "pelayanan KK")]
    assert accesses_for_nik(cast["auditor"], log.nik)


@pytest.mark.django_db
def test_staff_cannot_see_the_access_log_of_a_person_outside_their_area(cast, log):
    other = make_person(make_family(CAKUNG_BARAT), name="Dewi Lestari")
    for who in ("officer_gambir", "dprd", "kpu"):
        with pytest.raises(PermissionDenied):
            accesses_for_nik(cast[who], other.nik)
    with pytest.raises(PermissionDenied):
        accesses_for_nik(cast["sudin_jaktim"], log.nik)
