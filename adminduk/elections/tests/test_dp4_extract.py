import csv
import json

import pytest
from django.core.exceptions import PermissionDenied

from adminduk.audit.models import AuditEntry
from adminduk.elections import actions, dp4, queries
from adminduk.elections.eligibility import MODEL_A_FIELDS
from adminduk.elections.models import Election
from adminduk.elections.reference import ensure_reference_elections

from .helpers import build_register

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def extract(cast, tmp_path):
    people = build_register()
    election = ensure_reference_elections()
    extract, copy = actions.do_create_extract(election, actor=cast["dinas"], reason="DP4 uji", version="2023-S1",
                                              out=tmp_path / "kpu")
    return people, extract, copy


def _niks(path):
    with open(path, newline="") as fh:
        return {r["nik"] for r in csv.DictReader(fh)}


@pytest.mark.django_db(transaction=False)
def test_pemilu_2024_ships_as_reference_data():
    election = Election.objects.get(slug="pemilu-2024")
    assert election.polling_day.isoformat() == "2024-02-14"


def test_each_eligibility_rule_decides_who_is_in_the_dp4(extract):
    people, extract, copy = extract
    listed = _niks(dp4.Path(copy.path) / "model_a.csv")
    assert {people[k].nik for k in ("budi", "siti", "muhammad", "tepat17", "muda_kawin", "typo", "absen")} == listed
    reasons = {people[k].nik: dp4.exclusion_of(dp4.Path(extract.path), people[k].nik)["reason"]
               for k in ("kurang17", "tni", "polri", "wna", "mati", "pindah", "nonaktif")}
    assert reasons == {people["kurang17"].nik: "di_bawah_umur", people["tni"].nik: "tni", people["polri"].nik: "polri",
                       people["wna"].nik: "wna", people["mati"].nik: "meninggal", people["pindah"].nik: "pindah",
                       people["nonaktif"].nik: "tidak_aktif"}


def test_every_resident_left_out_has_a_reason_and_the_counts_add_up(extract):
    people, extract, _ = extract
    assert extract.eligible == 7
    assert extract.excluded == {"di_bawah_umur": 1, "meninggal": 1, "pindah": 1, "polri": 1, "tidak_aktif": 1, "tni": 1,
                                "wna": 1}
    assert extract.eligible + sum(extract.excluded.values()) == len(people)
    assert extract.eligible_men + extract.eligible_women == extract.eligible


def test_the_copy_is_in_model_a_layout_with_a_manifest_and_checksums(extract):
    _, extract, copy = extract
    folder = dp4.Path(copy.path)
    with open(folder / "model_a.csv", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == MODEL_A_FIELDS
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["penerima"] == "KPU Provinsi DKI Jakarta"
    assert manifest["dibuat_oleh"] == "dinas.admin"
    assert manifest["kolom"] == list(MODEL_A_FIELDS)
    assert manifest["jumlah"]["pemilih"] == 7
    for name, info in manifest["berkas"].items():
        assert dp4.sha256_file(folder / name) == info["sha256"]
    assert copy.fingerprint_key not in (folder / "manifest.json").read_text()
    with open(folder / "dak2.csv", newline="") as fh:
        dak2 = list(csv.DictReader(fh))
    assert sum(int(r["pemilih"]) for r in dak2) == 7
    assert {r["kecamatan"] for r in dak2} == {"31.71.01", "31.75.06"}


def test_dak2_counts_the_living_population_and_the_voters_of_each_kecamatan(extract):
    """DAK2 against the register counted through the ORM: residents alive, by sex, their
    KKs, and the voters, per kecamatan (the first 8 characters of the kelurahan code)."""
    from collections import defaultdict

    from adminduk.registry.models import Person

    _, extract, copy = extract
    in_extract = _niks(dp4.Path(copy.path) / "model_a.csv")
    expected = defaultdict(lambda: {"penduduk": 0, "penduduk_l": 0, "penduduk_p": 0, "kk": set(), "pemilih": 0,
                                    "pemilih_l": 0, "pemilih_p": 0})
    for p in Person.objects.all().select_related("family"):
        row = expected[p.family.kelurahan_id[:8]]
        if p.status == "hidup":
            row["penduduk"] += 1
            row[f"penduduk_{p.sex.lower()}"] += 1
            row["kk"].add(p.family.kk)
        if p.nik in in_extract:
            row["pemilih"] += 1
            row[f"pemilih_{p.sex.lower()}"] += 1
    with open(dp4.Path(copy.path) / "dak2.csv", newline="") as fh:
        dak2 = {r.pop("kecamatan"): {k: int(v) for k, v in r.items() if k != "nama"} for r in csv.DictReader(fh)}
    assert dak2 == {k: {**v, "kk": len(v["kk"])} for k, v in expected.items()}
    assert {d["kecamatan"]: {k: d[k] for k in dak2[d["kecamatan"]]} for d in extract.dak2} == dak2  # as recorded


def test_the_extract_and_the_hand_over_are_audited_with_row_counts(extract):
    _, extract, copy = extract
    entries = {e.action: e for e in AuditEntry.objects.filter(action__startswith="dp4.")}
    assert entries["dp4.extract"].row_count == 7
    assert entries["dp4.export"].row_count == 7
    assert copy.recipient in entries["dp4.export"].query


def test_why_a_resident_is_left_out_is_answered_within_jurisdiction_only(extract, cast):
    people, extract, _ = extract
    answer = queries.extract_status_of(cast["dinas"], extract, people["tni"].nik, purpose="pengaduan warga")
    assert answer["reason"] == "tni" and not answer["included"]
    answer = queries.extract_status_of(cast["officer_gambir"], extract, people["budi"].nik, purpose="pengaduan")
    assert answer["included"]
    with pytest.raises(PermissionDenied):
        queries.extract_status_of(cast["officer_gambir"], extract, people["mati"].nik, purpose="pengaduan")
    with pytest.raises(PermissionDenied):
        queries.extract_status_of(cast["dprd"], extract, people["budi"].nik, purpose="ingin tahu")


def test_a_version_cannot_be_extracted_twice(extract, cast):
    _, extract, _ = extract
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        actions.do_create_extract(extract.election, actor=cast["dinas"], reason="uji", version="2023-S1")
    assert "version" in exc.value.message_dict


def test_a_semester_snapshot_in_the_exchange_format_gives_the_same_extract(extract, cast, tmp_path):
    """The workflow of README: `export-register` at the cut-off date, then `dp4 extract
    --snapshot`; a snapshot without the columns the DP4 needs is refused by name."""
    from django.core.exceptions import ValidationError
    from django.core.management import call_command

    _, from_db, _ = extract
    snap = tmp_path / "snapshot-2023-S1"
    call_command("export_register", out=str(snap), format="parquet", user=cast["dinas"].username,
                 purpose="snapshot semester I untuk DP4")
    from_snapshot, _ = actions.do_create_extract(from_db.election, actor=cast["dinas"], reason="uji", version="snap",
                                                 out=tmp_path / "snap-out", snapshot=snap)
    assert (from_snapshot.eligible, from_snapshot.excluded, from_snapshot.dak2) == (
        from_db.eligible, from_db.excluded, from_db.dak2)
    assert "source=snapshot" in AuditEntry.objects.filter(action="dp4.extract").latest("seq").query

    narrow = tmp_path / "snapshot-narrow"
    call_command("export_register", out=str(narrow), format="parquet", user=cast["dinas"].username,
                 purpose="uji", fields="name,sex")
    with pytest.raises(ValidationError) as refused:
        actions.do_create_extract(from_db.election, actor=cast["dinas"], reason="uji", version="narrow",
                                  out=tmp_path / "narrow-out", snapshot=narrow)
    assert "birth_date" in str(refused.value) and "persons.parquet" in str(refused.value)


def test_the_internal_file_is_complete_before_the_extract_is_recorded_and_its_failure_records_nothing(
        cast, tmp_path, monkeypatch):
    from adminduk.elections.models import Extract

    build_register()
    election = ensure_reference_elections()
    written = dp4._write_internal_parquet
    seen = []

    def slow(table, path):
        import time
        time.sleep(0.5)  # still writing while the copy is made
        written(table, path)
        seen.append(path)

    monkeypatch.setattr(dp4, "_write_internal_parquet", slow)
    extract, _ = actions.do_create_extract(election, actor=cast["dinas"], reason="DP4 uji", version="2023-S1",
                                           out=tmp_path / "a")
    assert seen == [dp4.Path(extract.path) / "eligible.parquet"]
    assert dp4.is_in_extract(dp4.Path(extract.path), dp4.pq.read_table(seen[0]).column("nik")[0].as_py())

    def broken(table, path):
        raise OSError("disk full")

    monkeypatch.setattr(dp4, "_write_internal_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        actions.do_create_extract(election, actor=cast["dinas"], reason="DP4 uji", version="2023-S2",
                                  out=tmp_path / "b")
    assert not Extract.objects.filter(version="2023-S2").exists()


def test_a_register_without_any_voter_gives_an_empty_copy_with_its_header(cast, tmp_path):
    import datetime as dt

    from adminduk.testing import make_family, make_person

    child = make_person(make_family(), name="Anak Kecil", birth_date=dt.date(2015, 3, 1), marital_status="belum_kawin")
    extract, copy = actions.do_create_extract(ensure_reference_elections(), actor=cast["dinas"], reason="uji",
                                              version="2023-S1", out=tmp_path / "kpu")
    assert (extract.eligible, extract.excluded) == (0, {"di_bawah_umur": 1})
    folder = dp4.Path(copy.path)
    with open(folder / "model_a.csv", newline="") as fh:
        assert list(csv.reader(fh)) == [list(MODEL_A_FIELDS)]
    assert pq_rows(folder / "model_a.parquet") == 0
    assert dp4.exclusion_of(dp4.Path(extract.path), child.nik)["reason"] == "di_bawah_umur"


def pq_rows(path):
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows
