import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from adminduk.audit.models import AuditEntry
from adminduk.registry import queries
from adminduk.registry.search import refresh_name_tokens
from adminduk.testing import CAKUNG_BARAT, GAMBIR, KEBON_KELAPA, make_family, make_person

BORN = dt.date(1990, 5, 17)


@pytest.fixture
def people(cast):
    gambir = make_family(GAMBIR)
    kebon = make_family(KEBON_KELAPA)
    cakung = make_family(CAKUNG_BARAT)
    made = {
        "yusuf": make_person(gambir, name="Muhammad Yusuf", birth_date=BORN),
        "siti": make_person(gambir, name="Siti Rahmawati", sex="P", relation="istri", birth_date=dt.date(1992, 1, 3)),
        "sukarno": make_person(kebon, name="Sukarno", birth_date=dt.date(1961, 6, 6)),
        "budi": make_person(kebon, name="Budi Santoso", relation="famili_lain", birth_date=dt.date(1985, 3, 12)),
        "budi_cakung": make_person(cakung, name="Budi Santoso", birth_date=dt.date(1987, 8, 1)),
    }
    refresh_name_tokens()
    return made


def names(result):
    return [r.name for r in result.rows]


def search(user, **kw):
    return queries.search_persons(user, purpose="pelayanan", **kw)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["Muhammad Yusuf", "Muhamad Yusuf", "Moh. Jusuf", "M. Yusuf", "MOHAMMAD YOESOEF",
                                   "Muhamad Yusup", "Mohamad Yusf"])
def test_name_search_finds_indonesian_spelling_variants_and_typos(cast, people, typed):
    assert names(search(cast["kecamatan_gambir"], name=typed)) == ["Muhammad Yusuf"]


@pytest.mark.django_db
def test_spelling_variants_are_found_on_a_machine_booted_minutes_ago(cast, people, monkeypatch):
    # The vocabulary cache once took "never loaded" for "fresh" while the monotonic clock
    # (seconds since boot) was below its TTL: no typo was found for ten minutes after a boot.
    from adminduk.registry import search as name_search

    monkeypatch.setattr(name_search.time, "monotonic", lambda: 30.0)
    name_search._VOCAB.reset()
    assert names(search(cast["kecamatan_gambir"], name="Moh. Jusuf")) == ["Muhammad Yusuf"]


@pytest.mark.django_db
def test_a_single_name_is_found_and_a_first_name_finds_the_longer_names(cast, people):
    officer = cast["kecamatan_gambir"]
    assert names(search(officer, name="Sukarno")) == ["Sukarno"]
    assert names(search(officer, name="Soekarno")) == ["Sukarno"]
    assert names(search(officer, name="Budi")) == ["Budi Santoso"]


@pytest.mark.django_db
def test_with_a_birth_date_words_in_another_order_or_missing_are_found(cast, people):
    officer = cast["officer_gambir"]
    assert names(search(officer, name="Rahmawati Siti", birth_date=dt.date(1992, 1, 3))) == ["Siti Rahmawati"]
    assert names(search(officer, name="Rahmawaty", birth_date=dt.date(1992, 1, 3))) == ["Siti Rahmawati"]
    assert names(search(officer, name="Rahmawati", birth_date=dt.date(1992, 1, 4))) == []


@pytest.mark.django_db
def test_name_search_never_leaves_the_users_jurisdiction(cast, people):
    assert names(search(cast["officer_gambir"], name="Budi Santoso")) == []  # both Budis live elsewhere
    assert names(search(cast["kecamatan_gambir"], name="Budi Santoso")) == ["Budi Santoso"]
    assert [r.kelurahan_code for r in search(cast["sudin_jaktim"], name="Budi Santoso").rows] == [CAKUNG_BARAT]
    assert len(search(cast["dinas"], name="Budi Santoso").rows) == 2
    with pytest.raises(queries.OutOfJurisdiction):
        search(cast["officer_gambir"], name="Budi", kelurahan_code=CAKUNG_BARAT)


@pytest.mark.django_db
def test_roles_without_personal_data_cannot_search(cast, people):
    for role in ("dprd", "kpu", "auditor"):
        with pytest.raises(PermissionDenied):
            search(cast[role], name="Budi")


@pytest.mark.django_db
def test_a_search_is_audited_with_its_query_row_count_and_the_niks_shown(cast, people):
    officer = cast["kecamatan_gambir"]
    search(officer, name="Budi Santoso", kelurahan_code=KEBON_KELAPA, ip="10.1.2.3")
    entry = AuditEntry.objects.filter(action="person.search").get()
    assert entry.username == officer.username and entry.purpose == "pelayanan" and entry.ip == "10.1.2.3"
    assert entry.query == f"nama=Budi Santoso kelurahan={KEBON_KELAPA}" and entry.row_count == 1
    assert entry.niks == people["budi"].nik


@pytest.mark.django_db
def test_nik_search_is_exact_and_a_nik_elsewhere_is_refused_and_audited(cast, people):
    officer = cast["officer_gambir"]
    assert names(search(officer, nik=people["yusuf"].nik)) == ["Muhammad Yusuf"]
    with pytest.raises(queries.OutOfJurisdiction):
        search(officer, nik=people["budi_cakung"].nik)
    refused = AuditEntry.objects.get(action="person.search.refused")
    assert refused.niks == people["budi_cakung"].nik and refused.row_count == 0
    assert search(officer, nik="3171010101010999").rows == []


@pytest.mark.django_db
def test_lists_mask_niks_for_supervisors_but_not_for_desk_officers(cast, people):
    nik = people["budi_cakung"].nik
    assert search(cast["dinas"], nik=nik).rows[0].nik == nik[:6] + "******" + nik[12:]
    assert search(cast["sudin_jaktim"], name="Budi Santoso").rows[0].nik == nik[:6] + "******" + nik[12:]
    assert search(cast["kecamatan_gambir"], name="Budi Santoso").rows[0].nik == people["budi"].nik


@pytest.mark.django_db
def test_the_person_record_audits_the_read_and_the_family_members_shown(cast, people):
    officer = cast["officer_gambir"]
    record = queries.get_person_record(officer, people["yusuf"].pk, purpose="verifikasi")
    assert [m.name for m in record.members] == ["Siti Rahmawati"]
    read = AuditEntry.objects.get(action="person.read")
    assert read.niks == people["yusuf"].nik and read.purpose == "verifikasi"
    assert AuditEntry.objects.get(action="family.read").niks == people["siti"].nik
    # The access log shown on the page includes this very read.
    assert any(a.action == "person.read" and a.username == officer.username for a in record.accesses)
    with pytest.raises(queries.OutOfJurisdiction):
        queries.get_person_record(officer, people["budi_cakung"].pk, purpose="verifikasi")
    assert AuditEntry.objects.get(action="person.read.refused").niks == people["budi_cakung"].nik


@pytest.mark.django_db
def test_kelurahan_choices_are_limited_to_the_users_area(cast, regions):
    assert [c for c, _ in queries.kelurahan_choices(cast["officer_gambir"])] == [GAMBIR]
    codes = [c for c, _ in queries.kelurahan_choices(cast["sudin_jaktim"])]
    assert codes and all(c.startswith("31.75.") for c in codes)
    assert queries.kelurahan_choices(cast["dprd"]) == []
