"""Importing a register from CSV/Parquet: validate every row, then all or nothing."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from adminduk.audit.models import AuditEntry
from adminduk.registry.importing import import_register
from adminduk.registry.models import Family, LoadBatch, Person
from adminduk.testing import make_family, make_person

from .exchange import household, person, write_csv, write_dir, write_parquet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_it_imports_a_valid_directory_into_an_empty_register(regions, tmp_path, fmt):
    families, persons = household()
    result = import_register(write_dir(tmp_path / "in", families, persons, fmt), reason="migrasi data kelurahan")
    assert result.ok and result.batch is not None
    assert (Family.objects.count(), Person.objects.count()) == (1, 3)
    son = Person.objects.get(nik="3171010901150001")
    assert son.family.kk == "3171011801230001" and son.birth_date.isoformat() == "2015-01-09"
    assert son.kia_issued_on.isoformat() == "2020-02-01" and son.name_key
    assert LoadBatch.objects.get().kind == "import"
    assert AuditEntry.objects.filter(action="register.import", row_count=3).exists()


def test_it_adds_to_a_register_that_already_has_residents(regions, cast, tmp_path):
    existing = make_person(nik="3171011505800001", name="Joko Widodo", birth_date=dt.date(1980, 5, 15))
    families, persons = household()
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor", user=cast["dinas"])
    assert result.ok, result.errors
    assert Person.objects.count() == 4 and Person.objects.filter(pk=existing.pk).exists()
    assert LoadBatch.objects.get().actor == cast["dinas"]


def test_a_single_persons_file_carrying_the_address_is_accepted(regions, tmp_path):
    _, persons = household()
    for p in persons:
        p["street"] = "Jl. Tanah Abang II No. 5"
    result = import_register(write_csv(tmp_path / "kelurahan.csv", persons), reason="impor dari kelurahan")
    assert result.ok, result.errors
    assert Family.objects.get().street == "Jl. Tanah Abang II No. 5"


def test_members_of_one_kk_must_share_one_address_in_a_single_file(regions, tmp_path):
    _, persons = household()
    for p in persons:
        p["street"] = "Jl. Kebon Sirih 1"
    persons[2]["rt"] = "009"
    result = import_register(write_csv(tmp_path / "p.csv", persons), reason="impor")
    assert [(e.row, e.code) for e in result.errors] == [(2, "address_conflict")]


def test_every_error_is_reported_with_row_column_and_rule_and_nothing_is_written(regions, tmp_path):
    families, persons = household()
    families.append(dict(families[0], kk="3171011801230002", kelurahan_code="31.71.01.9999", rt="0"))
    persons[0].update(religion="jedi", birth_date="2099-01-01")
    persons[1].update(nik="31710145078700AA", marital_status="belum_kawin")
    persons[2].update(relation="kepala_keluarga", death_date="2010-01-01", status="meninggal", name="A")
    persons.append(person(nik="3171011203850001", kk="3171019999999999", name="Budi Kembar"))
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor")
    found = {(e.file, e.row, e.column, e.code) for e in result.errors}
    assert found == {
        ("families.csv", 2, "kk", "kk_two_heads"),
        ("families.csv", 3, "kelurahan_code", "kelurahan_unknown"),
        ("families.csv", 3, "rt", "rt_rw"),
        ("families.csv", 3, "kk", "kk_no_head"),
        ("persons.csv", 2, "religion", "choice_unknown"),
        ("persons.csv", 2, "birth_date", "date_future"),
        ("persons.csv", 2, "nik", "nik_duplicate"),
        ("persons.csv", 3, "nik", "nik_invalid"),
        ("persons.csv", 3, "marital_status", "spouse_belum_kawin"),
        ("persons.csv", 4, "name", "name_invalid"),
        ("persons.csv", 4, "death_date", "death_before_birth"),
        ("persons.csv", 5, "nik", "nik_duplicate"),
        ("persons.csv", 5, "kk", "kk_unknown"),
    }
    assert Family.objects.count() == 0 and Person.objects.count() == 0 and not LoadBatch.objects.exists()
    by_code = {e.code: e.message for e in result.errors}
    assert by_code["nik_invalid"] == "NIK '31710145078700AA' tidak sah: NIK hanya boleh berisi angka 0-9"
    assert by_code["date_future"] == "tanggal 2099-01-01 di masa depan"


def test_errors_can_be_reported_in_english(regions, tmp_path):
    families, persons = household()
    persons[0]["sex"] = "X"
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="import", lang="en")
    assert [e.message for e in result.errors] == ["unknown value 'X'; allowed: L, P"]


def test_missing_columns_are_named(regions, tmp_path):
    families, persons = household()
    for p in persons:
        del p["religion"], p["education"]
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor")
    assert [(e.column, e.code) for e in result.errors] == [("religion", "missing_column"),
                                                          ("education", "missing_column")]


def test_a_nik_or_kk_already_in_the_register_is_refused(regions, tmp_path):
    family = make_family(kk="3171011801230001")
    make_person(family, nik="3171011203850001")
    families, persons = household()
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor")
    assert {(e.row, e.code) for e in result.errors} == {(2, "kk_exists"), (2, "nik_exists")}
    assert Person.objects.count() == 1


def test_nik_area_and_date_differences_are_warnings_that_do_not_block(regions, tmp_path):
    families, persons = household()
    persons[0]["birth_date"] = "1985-03-13"  # corrected date; the NIK keeps 120385
    persons[1]["nik"] = "3273014507870001"  # first registered in Bandung
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor")
    assert result.ok
    assert {w.code: w.count for w in result.warnings} == {"unknown_area": 1, "area_differs": 1, "date_differs": 1}


def test_an_officer_cannot_import_outside_their_area(regions, cast, tmp_path):
    families, persons = household()
    families[0]["kelurahan_code"] = "31.75.06.1001"
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor",
                             user=cast["officer_gambir"])
    assert [e.code for e in result.errors] == ["out_of_jurisdiction"]


def test_the_command_exits_non_zero_and_lists_errors(regions, tmp_path, capsys):
    families, persons = household()
    persons[2]["birth_date"] = "09/01/2015"
    directory = write_dir(tmp_path / "in", families, persons, "csv")
    with pytest.raises(CommandError, match="1 kesalahan; tidak ada yang ditulis"):
        call_command("import_register", str(directory), "--reason", "impor")
    assert "persons.csv baris 4, kolom birth_date: '09/01/2015' bukan tanggal" in capsys.readouterr().out
    assert Person.objects.count() == 0


def test_the_command_imports_and_reports_json(regions, cast, tmp_path, capsys):
    families, persons = household()
    directory = write_dir(tmp_path / "in", families, persons, "parquet")
    call_command("import_register", str(directory), "--reason", "impor", "--user", "dinas.admin", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["written"] and report["persons"] == 3 and len(report["sha256"]) == 64
    assert Person.objects.count() == 3


def test_a_dry_run_validates_without_writing(regions, tmp_path):
    families, persons = household()
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="uji", dry_run=True)
    assert result.ok and result.batch is None and Person.objects.count() == 0


def test_a_missing_file_is_reported(regions, tmp_path):
    (tmp_path / "in").mkdir()
    write_parquet(tmp_path / "in" / "persons.parquet", household()[1])
    result = import_register(tmp_path / "in", reason="impor")
    assert [e.code for e in result.errors] == ["no_file"]


def test_a_role_without_personal_data_cannot_import(regions, cast, tmp_path):
    families, persons = household()
    result = import_register(write_dir(tmp_path / "in", families, persons), reason="impor", user=cast["kpu"])
    assert [(e.code, e.message) for e in result.errors] == [
        ("role_cannot_import", "pengguna kpu tidak mempunyai wilayah kerja data penduduk; tidak boleh mengimpor")]
    assert Person.objects.count() == 0


def test_a_spreadsheet_csv_with_semicolons_and_a_bom_is_read(regions, tmp_path):
    families, persons = household()
    directory = write_dir(tmp_path / "in", families, persons)
    for name in ("families.csv", "persons.csv"):
        text = (directory / name).read_text().replace(",", ";")
        (directory / name).write_text("\ufeff" + text, encoding="utf-8")
    result = import_register(directory, reason="impor dari Excel")
    assert result.ok, result.errors
    assert Person.objects.count() == 3
