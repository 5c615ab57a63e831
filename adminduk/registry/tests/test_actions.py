"""Every change to the register goes through a named action: numbers, rules, history, audit."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from adminduk.audit.models import AuditEntry
from adminduk.registry import actions
from adminduk.registry.models import Family, History, Person
from adminduk.testing import CAKUNG_BARAT, GAMBIR, KEBON_KELAPA, make_family, make_person, person_data

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _rakor_day():
    # The day of the Komisi A meeting (DOMAIN.md §0): KK numbers carry the issue date.
    with time_machine.travel(dt.datetime(2023, 1, 18, 10, 0, tzinfo=JAKARTA), tick=False):
        yield


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_kk_numbers_are_issued_in_sequence_for_the_kecamatan_and_day(regions, cast):
    first = make_family(actor=cast["officer_gambir"])
    second = make_family(KEBON_KELAPA, actor=cast["officer_gambir"])
    other = make_family(CAKUNG_BARAT, actor=cast["sudin_jaktim"])
    assert (first.kk, second.kk, other.kk) == ("3171011801230001", "3171011801230002", "3175061801230001")
    assert (first.rw, first.rt, first.issued_on) == ("001", "002", dt.date(2023, 1, 18))


def test_niks_are_issued_in_sequence_by_area_birth_date_and_sex(regions, cast):
    family = make_family()
    husband = make_person(family, actor=cast["officer_gambir"])
    twin = make_person(family, name="Budi Santosa", relation="famili_lain", marital_status="belum_kawin")
    wife = make_person(family, name="Siti Aminah", sex="P", relation="istri", birth_date=dt.date(1985, 3, 12))
    assert (husband.nik, twin.nik, wife.nik) == ("3171011203850001", "3171011203850002", "3171015203850001")


def test_a_nik_already_in_the_register_is_refused(regions):
    make_person(nik="3171011203850001")
    other = make_family(KEBON_KELAPA)
    found = errors_of(lambda: make_person(other, nik="3171011203850001"))
    assert found == {"nik": ["NIK 3171011203850001 sudah terdaftar: satu penduduk, satu NIK"]}
    assert Person.objects.count() == 1


def test_a_nik_failing_the_hard_rules_is_refused(regions):
    found = errors_of(lambda: make_person(nik="3171013102850001"))
    assert "bukan tanggal yang ada" in found["nik"][0]


def test_a_nik_from_another_region_is_kept(regions):
    person = make_person(nik="3273011203850004")  # first registered in Bandung
    assert person.nik == "3273011203850004"


def test_every_change_writes_history_with_actor_and_reason_and_an_audit_row(regions, cast):
    officer = cast["officer_gambir"]
    family = actions.do_register_family(kelurahan_code=GAMBIR, rw="1", rt="2", street="Jl. Kebon Sirih 5",
                                        actor=officer, reason="KK baru")
    person = actions.do_register_person(family=family, data=person_data(), actor=officer, reason="pendaftaran")
    actions.do_update_person(person, {"occupation": "wiraswasta"}, actor=officer, reason="ganti pekerjaan")
    actions.do_update_family(family, {"rt": "003"}, actor=officer, reason="pemutakhiran RT")
    new_family = make_family(KEBON_KELAPA, rt="004")
    actions.do_move_person_to_family(person, new_family, relation="kepala_keluarga", actor=officer, reason="pecah KK")
    actions.do_move_out(person, actor=officer, reason="SKPWNI ke Bandung")
    rows = list(History.objects.filter(actor=officer).order_by("id").values_list("action", "reason"))
    assert rows == [("family.register", "KK baru"), ("person.register", "pendaftaran"),
                    ("person.update", "ganti pekerjaan"), ("family.update", "pemutakhiran RT"),
                    ("person.change_family", "pecah KK"), ("person.move_out", "SKPWNI ke Bandung")]
    audited = list(AuditEntry.objects.filter(username="gambir").order_by("seq").values_list("action", flat=True))
    assert audited == ["family.register", "person.register", "person.update", "family.update",
                       "person.change_family", "person.move_out"]


def test_a_reason_is_required(regions, cast):
    person = make_person()
    assert errors_of(lambda: actions.do_update_person(person, {"name": "Budi S"}, actor=cast["dinas"], reason=" ")) \
        == {"reason": ["alasan perubahan wajib diisi"]}


def test_a_corrected_birth_date_keeps_the_nik(regions, cast):
    person = make_person()
    actions.do_update_person(person, {"birth_date": dt.date(1985, 3, 21)}, actor=cast["dinas"],
                             reason="koreksi sesuai akta kelahiran")
    person.refresh_from_db()
    assert (person.nik, person.birth_date) == ("3171011203850001", dt.date(1985, 3, 21))
    assert History.objects.get(action="person.update").changes == {"birth_date": ["1985-03-12", "1985-03-21"]}


def test_the_nik_and_the_family_cannot_be_edited_as_biodata(regions, cast):
    person = make_person()
    found = errors_of(lambda: actions.do_update_person(person, {"nik": "3171011203850009"}, actor=cast["dinas"],
                                                       reason="x"))
    assert found == {"nik": ["kolom ini tidak boleh diubah lewat perubahan biodata"]}


def test_a_death_is_recorded_with_its_akta(regions, cast):
    person = make_person()
    actions.do_register_death(person, death_date=dt.date(2023, 1, 10), death_cert_no="3171-KM-10012023-0001",
                              actor=cast["officer_gambir"], reason="laporan kematian dari RS")
    person.refresh_from_db()
    assert (person.status, person.death_date, person.death_cert_no) == (
        "meninggal", dt.date(2023, 1, 10), "3171-KM-10012023-0001")
    assert History.objects.get(action="person.death").changes["status"] == ["hidup", "meninggal"]
    assert Person.objects.residents().count() == 0


def test_a_death_needs_an_akta_a_past_date_and_a_living_person(regions, cast):
    person = make_person()
    found = errors_of(lambda: actions.do_register_death(person, death_date=dt.date(2023, 2, 1), death_cert_no=" ",
                                                        actor=cast["dinas"], reason="x"))
    assert found == {"death_date": ["tanggal meninggal tidak boleh di masa depan"],
                     "death_cert_no": ["nomor akta kematian wajib diisi"]}
    actions.do_move_out(person, actor=cast["dinas"], reason="pindah")
    found = errors_of(lambda: actions.do_register_death(person, death_date=dt.date(2023, 1, 1), death_cert_no="1",
                                                        actor=cast["dinas"], reason="x"))
    assert list(found) == ["status"] and "bukan penduduk aktif" in found["status"][0]


def test_moving_out_keeps_the_record_with_status_pindah(regions, cast):
    person = make_person()
    actions.do_move_out(person, actor=cast["dinas"], reason="SKPWNI")
    person.refresh_from_db()
    assert person.status == "pindah" and Person.objects.filter(pk=person.pk).exists()


def test_errors_are_keyed_by_field_in_bahasa_indonesia(regions, cast):
    found = errors_of(lambda: actions.do_register_family(kelurahan_code="31.71.01.9999", rw="1", rt="1",
                                                         street="Jl. X", actor=None, reason="x"))
    assert found == {"kelurahan": ["kelurahan '31.71.01.9999' tidak ada dalam kode wilayah Kemendagri DKI"]}
    found = errors_of(lambda: actions.do_register_family(kelurahan_code=GAMBIR, rw="0", rt="abcd", street=" ",
                                                         actor=None, reason="x"))
    assert found == {"rt": ["RT harus angka 1-3 digit, bukan 0"], "rw": ["RW harus angka 1-3 digit, bukan 0"],
                     "street": ["alamat wajib diisi"]}
    family = make_family()
    found = errors_of(lambda: make_person(family, name="", religion="jedi", birth_date=dt.date(2024, 1, 1)))
    assert found == {"name": ["wajib diisi"], "religion": ["nilai 'jedi' tidak dikenal"],
                     "birth_date": ["tanggal lahir tidak boleh di masa depan"]}


def test_a_kk_has_one_living_head_and_a_spouse_is_married(regions):
    family = make_family()
    make_person(family)
    assert errors_of(lambda: make_person(family, name="Joko", birth_date=dt.date(1960, 1, 1))) == {
        "relation": ["KK ini sudah mempunyai kepala keluarga"]}
    assert errors_of(lambda: make_person(family, name="Siti", sex="P", relation="istri",
                                         marital_status="belum_kawin")) == {
        "marital_status": ["suami/istri tidak boleh berstatus belum kawin"]}


# --- named querysets ---

def test_in_area_at_every_level(regions):
    gambir = make_person(make_family(GAMBIR))
    cideng = make_person(make_family(KEBON_KELAPA), name="Dewi", birth_date=dt.date(1990, 1, 1))
    cakung = make_person(make_family(CAKUNG_BARAT), name="Rudi", birth_date=dt.date(1970, 1, 1))

    def niks(code):
        return set(Person.objects.in_area(code).values_list("nik", flat=True))

    assert niks(GAMBIR) == {gambir.nik}
    assert niks("31.71.01") == {gambir.nik, cideng.nik}
    assert niks("31.75") == {cakung.nik}
    assert niks("31") == {gambir.nik, cideng.nik, cakung.nik}
    assert set(Family.objects.in_area("31.71").values_list("kelurahan_id", flat=True)) == {GAMBIR, KEBON_KELAPA}


def test_residents_are_the_living_who_have_not_left(regions, cast):
    family = make_family()
    head = make_person(family)
    wife = make_person(family, name="Siti", sex="P", relation="istri", birth_date=dt.date(1986, 1, 1))
    son = make_person(family, name="Adi", relation="anak", marital_status="belum_kawin", birth_date=dt.date(2000, 1, 1))
    actions.do_register_death(wife, death_date=dt.date(2022, 5, 1), death_cert_no="KM-1", actor=None, reason="x")
    actions.do_move_out(son, actor=None, reason="x")
    assert list(Person.objects.residents()) == [head]


def test_wajib_ktp_on_a_date_includes_the_married_under_17(regions):
    family = make_family()
    make_person(family)  # 37 years old
    turns_17 = make_person(family, name="Adi", relation="anak", marital_status="belum_kawin",
                           birth_date=dt.date(2006, 1, 18))
    turns_17_tomorrow = make_person(family, name="Ani", sex="P", relation="anak", marital_status="belum_kawin",
                                    birth_date=dt.date(2006, 1, 19))
    married_16 = make_person(make_family(rt="009"), name="Rina", sex="P", relation="kepala_keluarga",
                             marital_status="kawin", birth_date=dt.date(2006, 6, 1))
    divorced_16 = make_person(make_family(rt="010"), name="Rini", sex="P", relation="kepala_keluarga",
                              marital_status="cerai_hidup", birth_date=dt.date(2006, 7, 1))
    on = dt.date(2023, 1, 18)
    wajib = set(Person.objects.wajib_ktp(on).values_list("name", flat=True))
    assert wajib == {"Budi Santoso", "Adi", "Rina", "Rini"}
    assert turns_17.name in wajib and turns_17_tomorrow.name not in wajib
    assert {married_16.name, divorced_16.name} <= wajib
    assert set(Person.objects.wajib_ktp(dt.date(2023, 1, 19)).values_list("name", flat=True)) == wajib | {"Ani"}
