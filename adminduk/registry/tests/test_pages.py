import datetime as dt

import pytest

from adminduk.audit.models import AuditEntry
from adminduk.registry.search import refresh_name_tokens
from adminduk.testing import CAKUNG_BARAT, GAMBIR, make_family, make_person

SEARCH = "/penduduk/cari/"


@pytest.fixture
def people(cast):
    gambir = make_family(GAMBIR)
    cakung = make_family(CAKUNG_BARAT)
    made = {
        "yusuf": make_person(gambir, name="Muhammad Yusuf", birth_date=dt.date(1990, 5, 17)),
        "anak": make_person(gambir, name="Aisyah Putri", sex="P", relation="anak", marital_status="belum_kawin",
                            birth_date=dt.date(2015, 2, 2), birth_cert_no="3171-LT-02022015-0001"),
        "cakung": make_person(cakung, name="Joko Widodo"),
    }
    refresh_name_tokens()
    return made


@pytest.mark.django_db
def test_an_officer_finds_a_resident_by_a_misspelt_name_and_opens_the_record(client, cast, people):
    client.force_login(cast["officer_gambir"])
    page = client.post(SEARCH, {"tujuan": "pelayanan", "nama": "Moh Jusuf"}).content.decode()
    assert "Muhammad Yusuf" in page and people["yusuf"].nik in page
    url = f"/penduduk/orang/{people['yusuf'].pk}/?tujuan=pelayanan"
    assert url.replace("?", "?") in page.replace("&amp;", "&")
    record = client.get(url).content.decode()
    for shown in ("Muhammad Yusuf", people["yusuf"].nik, "Aisyah Putri", "Belum rekam", "Siapa yang mengakses"):
        assert shown in record


@pytest.mark.django_db
def test_a_nik_search_goes_straight_to_the_person_and_a_kk_search_to_the_family(client, cast, people):
    client.force_login(cast["officer_gambir"])
    response = client.post(SEARCH, {"tujuan": "verifikasi", "nik": people["yusuf"].nik})
    assert response.status_code == 302 and response.url == f"/penduduk/orang/{people['yusuf'].pk}/?tujuan=verifikasi"
    family = people["yusuf"].family
    response = client.post(SEARCH, {"tujuan": "verifikasi", "kk": family.kk})
    assert response.url == f"/penduduk/kk/{family.pk}/?tujuan=verifikasi"
    page = client.get(response.url).content.decode()
    assert "Muhammad Yusuf" in page and "Aisyah Putri" in page and family.kk in page


@pytest.mark.django_db
@pytest.mark.parametrize("data, field, message", [
    ({"nama": "Budi"}, "tujuan", "Pilih tujuan akses"),
    ({"tujuan": "pelayanan", "nik": "31710112"}, "nik", "NIK harus 16 angka"),
    ({"tujuan": "pelayanan", "kk": "abc"}, "kk", "Nomor KK harus 16 angka"),
    ({"tujuan": "pelayanan", "nama": "B"}, "nama", "paling sedikit 2 huruf"),
    ({"tujuan": "pelayanan", "nama": "Budi", "tanggal_lahir": "2999-01-01"}, "tanggal_lahir", "masa depan"),
    ({"tujuan": "pelayanan", "nama": "Budi", "kelurahan": CAKUNG_BARAT}, "kelurahan", "Select a valid choice"),
    ({"tujuan": "pelayanan", "tanggal_lahir": "1990-05-17"}, "nama", "dipakai bersama nama"),
])
def test_bad_search_input_gets_an_error_next_to_the_field(client, cast, people, data, field, message, settings):
    settings.LANGUAGE_CODE = "en" if message.startswith("Select") else "id"
    client.force_login(cast["officer_gambir"])
    response = client.post(SEARCH, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert 'class="field has-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="person.search").exists()


@pytest.mark.django_db
def test_an_empty_search_says_what_to_fill_in(client, cast):
    client.force_login(cast["officer_gambir"])
    page = client.post(SEARCH, {"tujuan": "pelayanan"}).content.decode()
    assert "Isi salah satu: NIK, nomor KK, atau nama." in page


@pytest.mark.django_db
def test_opening_a_person_outside_the_jurisdiction_is_refused_with_403_and_audited(client, cast, people):
    client.force_login(cast["officer_gambir"])
    response = client.get(f"/penduduk/orang/{people['cakung'].pk}/?tujuan=pelayanan")
    assert response.status_code == 403
    page = response.content.decode()
    assert "di luar wilayah kerja" in page and "Joko Widodo" not in page and people["cakung"].nik not in page
    assert AuditEntry.objects.get(action="person.read.refused").niks == people["cakung"].nik
    response = client.post(SEARCH, {"tujuan": "pelayanan", "nik": people["cakung"].nik})
    assert response.status_code == 403 and "Joko Widodo" not in response.content.decode()
    response = client.get(f"/penduduk/kk/{people['cakung'].family.pk}/?tujuan=pelayanan")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_record_is_not_read_before_a_purpose_is_chosen(client, cast, people):
    client.force_login(cast["officer_gambir"])
    page = client.get(f"/penduduk/orang/{people['yusuf'].pk}/").content.decode()
    assert "Tujuan akses" in page and "Muhammad Yusuf" not in page
    assert not AuditEntry.objects.filter(action="person.read").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["dprd", "kpu", "auditor"])
def test_roles_without_personal_data_get_403_on_every_register_page(client, cast, people, role):
    client.force_login(cast[role])
    assert client.get(SEARCH).status_code == 403
    assert client.get(f"/penduduk/orang/{people['yusuf'].pk}/?tujuan=pelayanan").status_code == 403
    assert client.get(f"/penduduk/kk/{people['yusuf'].family.pk}/?tujuan=pelayanan").status_code == 403
    assert "Cari penduduk" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_supervisors_see_masked_niks_in_the_result_list(client, cast, people):
    client.force_login(cast["dinas"])
    page = client.post(SEARCH, {"tujuan": "supervisi", "nama": "Joko Widodo"}).content.decode()
    nik = people["cakung"].nik
    assert nik[:6] + "******" + nik[12:] in page and nik not in page
    assert nik in client.get(f"/penduduk/orang/{people['cakung'].pk}/?tujuan=supervisi").content.decode()


@pytest.mark.django_db
def test_the_search_page_needs_a_bounded_number_of_queries(client, cast, people, django_assert_max_num_queries):
    client.force_login(cast["kecamatan_gambir"])
    client.post(SEARCH, {"tujuan": "pelayanan", "nama": "Muhammad Yusuf"})  # warm the caches
    with django_assert_max_num_queries(16):
        client.post(SEARCH, {"tujuan": "pelayanan", "nama": "Muhammad Yusuf", "tanggal_lahir": "1990-05-17"})
