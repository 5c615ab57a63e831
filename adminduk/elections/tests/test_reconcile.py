"""Each finding category on a small hand-made KPU list (runs on both databases)."""

import csv

import pytest

from adminduk.audit.models import AuditEntry
from adminduk.elections import actions
from adminduk.elections.models import ReconciliationCount
from adminduk.elections.reference import ensure_reference_elections

from .helpers import build_register, list_row, write_list

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run(cast, tmp_path):
    p = build_register()
    budi, siti = p["budi"], p["siti"]
    wrong_digit = budi.nik[:15] + ("1" if budi.nik[15] != "1" else "2")  # a NIK of nobody
    rows = [
        list_row(budi),                                                  # 1 clean
        list_row(siti),                                                  # 2 clean
        list_row(p["mati"]),                                             # 3 meninggal
        list_row(budi, nik=wrong_digit, tps="002"),                      # 4 ganda (second row of Budi)
        list_row(p["kurang17"]),                                         # 5 di_bawah_umur
        list_row(p["pindah"]),                                           # 6 pindah_domisili
        {**list_row(p["muhammad"]), "nik": "3171010101610001", "nama": "HARTONO WIJAYA",
         "tanggal_lahir": "01-01-1961", "no_kk": "3171010101610001"},   # 7 tidak_dikenal
        list_row(p["tni"]),                                              # 8 tni
        list_row(p["polri"]),                                            # 9 polri
        list_row(p["muda_kawin"], nik=p["muda_kawin"].nik[:15]),         # 10 nik_invalid (15 digits), linked
        list_row(p["typo"], nama="FAJAR NUGRAHO"),                       # 11 data_berbeda (name)
        list_row(p["muhammad"], nama="Muhamad  yusuf ",                  # 12 a spelling variant: no finding
                 tanggal_lahir="1990-01-20"),
        list_row(p["tepat17"], tanggal_lahir=p["tepat17"].birth_date.strftime("%m-%d-%Y")),  # 13 swapped d/m
        list_row(p["nonaktif"]),                                         # 14 NIK deactivated: tidak_dikenal
    ]
    path = write_list(tmp_path / "dps.csv", rows)
    out = tmp_path / "hasil"
    election = ensure_reference_elections()
    run = actions.do_reconcile(election, path, actor=cast["dinas"], reason="uji", out=out)
    with open(out / "findings.csv", newline="") as fh:
        findings = list(csv.DictReader(fh))
    return p, run, findings


def _by_row(findings):
    return {int(f["row"]): f for f in findings if f["row"]}


def test_findings_csv_has_the_agreed_columns(run):
    _, _, findings = run
    assert list(findings[0]) == ["row", "nik", "category", "matched_nik", "score"]


EXPECTED = {3: ("meninggal", "mati"), 4: ("ganda", "budi"), 5: ("di_bawah_umur", "kurang17"),
            6: ("pindah_domisili", "pindah"), 8: ("tni", "tni"), 9: ("polri", "polri"),
            10: ("nik_invalid", "muda_kawin"), 11: ("data_berbeda", "typo"), 13: ("data_berbeda", "tepat17"),
            14: ("tidak_dikenal", "nonaktif")}


def test_each_linked_category_is_found_with_the_right_person(run):
    p, _, findings = run
    found = {row: (f["category"], f["matched_nik"]) for row, f in _by_row(findings).items() if row in EXPECTED}
    assert found == {row: (category, p[person].nik) for row, (category, person) in EXPECTED.items()}


def test_unknown_people_missing_residents_and_clean_rows(run):
    p, _, findings = run
    finding = _by_row(findings)[7]
    assert finding["category"] == "tidak_dikenal" and finding["matched_nik"] == ""
    # clean rows and a spelling variant (Muhamad/Muhammad, case, spaces, ISO date): nothing
    assert not {1, 2, 12} & set(_by_row(findings))
    missing = {f["matched_nik"] for f in findings if f["category"] == "belum_terdaftar"}
    assert missing == {p["absen"].nik}


def test_a_wrong_digit_that_lands_on_another_resident_is_not_taken_as_a_match(cast, tmp_path):
    p = build_register()
    # Siti's row carrying Budi's NIK (one family, other person): not Budi, but Siti.
    path = write_list(tmp_path / "l.csv", [list_row(p["budi"]), list_row(p["siti"], nik=p["budi"].nik)])
    run = actions.do_reconcile(ensure_reference_elections(), path, actor=None, reason="uji", out=tmp_path / "o")
    with open(tmp_path / "o" / "findings.csv", newline="") as fh:
        second = _by_row(csv.DictReader(fh))[2]
    assert second["category"] == "data_berbeda" and second["matched_nik"] == p["siti"].nik
    assert run.matched == 2


def test_the_run_is_stored_with_counts_per_kelurahan_and_audited(run):
    _, run, _ = run
    assert run.rows == 14 and run.unreadable == 0
    assert run.counts["ganda"] == 1 and run.counts["data_berbeda"] == 2
    assert ReconciliationCount.objects.get(reconciliation=run, kelurahan_code="31.75.06.1001",
                                           category="meninggal").count == 1
    entry = AuditEntry.objects.get(action="kpu.reconcile")
    assert entry.row_count == 14
