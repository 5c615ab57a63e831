"""Exporting the register: only the user's area, a manifest, an audit row, importable back."""

import datetime as dt
import hashlib
import json

import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from adminduk.audit.models import AuditEntry
from adminduk.registry.exporting import export_register
from adminduk.registry.importing import PERSON_COLUMNS, import_register
from adminduk.registry.models import Family, History, LoadBatch, Person
from adminduk.testing import CAKUNG_BARAT, KEBON_KELAPA, make_family, make_person

from .exchange import household, write_dir

# The export reads through the columnar engine's own connection: data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register(regions, tmp_path):
    families, persons = household()
    assert import_register(write_dir(tmp_path / "seed", families, persons), reason="data uji").ok
    make_person(make_family(KEBON_KELAPA), nik="3171010101900001", birth_date=dt.date(1990, 1, 1))
    make_person(make_family(CAKUNG_BARAT), nik="3175060202910001", birth_date=dt.date(1991, 2, 2))


def _register_rows():
    return sorted(Person.objects.values_list("nik", "name", "birth_date", "family__kk", "family__kelurahan_id",
                                             "relation", "ktp_state", "kia_issued_on"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_export_can_be_imported_back(register, cast, tmp_path, fmt):
    before = _register_rows()
    result = export_register(user=cast["dinas"], out_dir=tmp_path / "out", fmt=fmt, purpose="cadangan")
    assert result.persons == 5 and result.manifest["row_counts"]["families"] == 3
    History.objects.all().delete()
    Person.objects.all().delete()
    Family.objects.all().delete()
    LoadBatch.objects.all().delete()
    imported = import_register(tmp_path / "out", reason="pemulihan dari ekspor")
    assert imported.ok, imported.errors
    assert _register_rows() == before


def test_the_manifest_says_who_when_why_what_and_the_checksums(register, cast, tmp_path):
    result = export_register(user=cast["kecamatan_gambir"], out_dir=tmp_path / "out", fmt="parquet",
                             purpose="verifikasi data", fields="name,birth_date")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest == result.manifest
    assert manifest["user"] == "kec.gambir" and manifest["purpose"] == "verifikasi data"
    assert manifest["area"]["code"] == "31.71.01" and manifest["generated_at"]
    assert manifest["fields"]["persons"] == ["nik", "kk", "name", "birth_date"]
    assert manifest["row_counts"] == {"families": 2, "persons": 4}
    for entry in manifest["files"]:
        data = (tmp_path / "out" / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert pq.read_table(tmp_path / "out" / "persons.parquet").column_names == ["nik", "kk", "name", "birth_date"]


def test_the_export_is_audited_with_its_query_and_row_count(register, cast, tmp_path):
    export_register(user=cast["dinas"], out_dir=tmp_path / "out", fmt="csv", purpose="rekonsiliasi",
                    area="31.71.01.1002")
    entry = AuditEntry.objects.get(action="register.export")
    assert (entry.username, entry.row_count, entry.purpose) == ("dinas.admin", 1, "rekonsiliasi")
    assert entry.query.startswith("area=31.71.01.1002 fields=nik,kk,")


def test_an_officer_exports_only_their_own_area(register, cast, tmp_path):
    result = export_register(user=cast["officer_gambir"], out_dir=tmp_path / "a", purpose="pelayanan")
    assert result.persons == 3
    with pytest.raises(PermissionDenied):
        export_register(user=cast["officer_gambir"], out_dir=tmp_path / "b", purpose="x", area="31.71.01")
    assert export_register(user=cast["sudin_jaktim"], out_dir=tmp_path / "c", purpose="x").persons == 1


@pytest.mark.parametrize("who", ["dprd", "kpu", "auditor"])
def test_roles_without_personal_data_cannot_export(register, cast, tmp_path, who):
    with pytest.raises(PermissionDenied):
        export_register(user=cast[who], out_dir=tmp_path / "out", purpose="ingin tahu")
    assert not (tmp_path / "out").exists()


def test_bad_requests_name_the_field(register, cast, tmp_path):
    with pytest.raises(ValidationError) as exc:
        export_register(user=cast["dinas"], out_dir=tmp_path / "o", purpose="x", fields="nik,hobby")
    assert "hobby" in exc.value.message_dict["fields"][0]
    with pytest.raises(ValidationError) as exc:
        export_register(user=cast["dinas"], out_dir=tmp_path / "o", purpose=" ")
    assert "purpose" in exc.value.message_dict


def test_the_command_writes_files_and_refuses_a_dprd_member(register, cast, tmp_path, capsys):
    call_command("export_register", "--out", str(tmp_path / "out"), "--format", "csv", "--user", "dinas.admin",
                 "--purpose", "cadangan")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["families.csv", "manifest.json", "persons.csv"]
    header = (tmp_path / "out" / "persons.csv").read_text().splitlines()[0]
    assert header.replace('"', "").split(",") == list(PERSON_COLUMNS)
    assert "diekspor 5 penduduk dan 3 KK" in capsys.readouterr().out
    with pytest.raises(CommandError, match="ditolak"):
        call_command("export_register", "--out", str(tmp_path / "x"), "--user", "dprd", "--purpose", "x")
