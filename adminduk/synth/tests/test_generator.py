"""The synthetic population looks like Jakarta and keeps the register's rules (no database)."""

import datetime as dt
import json

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from adminduk.registry.bulk import FAMILY_COLUMNS, PERSON_COLUMNS
from adminduk.registry.nik import check_nik
from adminduk.synth import output
from adminduk.synth.generator import AS_OF, DEFAULT_RATES, ELECTION_DAY, generate, load_areas

RESIDENTS = 200_000
SEED = 20230118
DPT_SHARE = 8_252_897 / 11_038_216  # KPU's DPT Pemilu 2024 over Dukcapil's residents


@pytest.fixture(scope="module")
def population():
    pop = generate(RESIDENTS, SEED)
    return pop, pop.persons_table(), pop.families_table(), pop.truth


def _share(mask) -> float:
    return pc.mean(pc.cast(mask, "int64")).as_py()


def test_it_writes_every_exchange_column(population):
    _, persons, families, truth = population
    assert persons.column_names == list(PERSON_COLUMNS)
    assert families.column_names == list(FAMILY_COLUMNS)
    assert truth.column_names == ["kind", "nik", "other_nik", "kk", "details"]
    assert len(persons) == RESIDENTS


def test_kota_shares_match_dukcapil_within_half_a_point(population):
    pop, persons, _, _ = population
    areas = load_areas()
    kota = pc.utf8_slice_codeunits(persons.column("kelurahan_code"), 0, 5)
    for code, total in zip(areas.kota_codes, areas.kota_total, strict=True):
        expected = total / areas.kota_total.sum()
        assert abs(_share(pc.equal(kota, code)) - expected) < 0.005, code


def test_sex_split_matches_dukcapil(population):
    _, persons, _, _ = population
    assert abs(_share(pc.equal(persons.column("sex"), "L")) - 5_537_335 / 11_038_216) < 0.005


def test_voter_eligible_share_is_near_kpus_dpt(population):
    _, persons, _, _ = population
    alive = persons.filter(pc.equal(persons.column("status"), "hidup"))
    seventeen = ELECTION_DAY.replace(year=ELECTION_DAY.year - 17)
    eligible = pc.and_(
        pc.and_(pc.equal(alive.column("citizenship"), "wni"),
                pc.invert(pc.is_in(alive.column("occupation"), value_set=pc.cast(["tni", "polri"], "string")))),
        pc.or_(pc.less_equal(alive.column("birth_date"), seventeen),
               pc.not_equal(alive.column("marital_status"), "belum_kawin")),
    )
    assert abs(_share(eligible) - DPT_SHARE) < 0.01


def test_households_hold_about_three_people_with_one_head(population):
    _, persons, families, truth = population
    assert 2.9 < len(persons) / len(families) < 3.1
    heads = persons.filter(pc.equal(persons.column("relation"), "kepala_keluarga"))
    headless = set(truth.filter(pc.equal(truth.column("kind"), "kk_without_head")).column("kk").to_pylist())
    assert len(set(heads.column("kk").to_pylist())) == len(families) - len(headless)
    assert pc.count_distinct(families.column("kk")).as_py() == len(families)


def test_children_are_younger_than_their_parents(population):
    _, persons, _, truth = population
    by_nik = dict(zip(persons.column("nik").to_pylist(), persons.column("birth_date").to_pylist(), strict=True))
    # A mother whose NIK another person also carries (shared_nik) is not a test of ages.
    flagged = set(truth.column("nik").to_pylist())
    children = [c for c in persons.filter(pc.not_equal(persons.column("mother_nik"), "")).slice(0, 5000).to_pylist()
                if c["mother_nik"] not in flagged]
    assert children
    for child in children:
        mother_birth = by_nik[child["mother_nik"]]
        assert (child["birth_date"] - mother_birth).days > 15 * 365, child


def test_nik_of_every_non_defect_row_is_valid_and_decodes_to_the_record(population):
    _, persons, _, truth = population
    flagged = set(truth.column("nik").to_pylist()) | set(truth.column("other_nik").to_pylist())
    rows = persons.filter(pc.invert(pc.is_in(persons.column("nik"), value_set=pc.cast(list(flagged), "string"))))
    # Vectorised over every row: 16 digits, the date digits and the sex.
    nik = rows.column("nik")
    assert pc.all(pc.equal(pc.utf8_length(nik), 16)).as_py()
    birth = rows.column("birth_date").to_numpy().astype("datetime64[D]")
    year = birth.astype("datetime64[Y]").astype(int) + 1970
    month = birth.astype("datetime64[M]").astype(int) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(int) + 1 + 40 * (rows.column("sex").to_numpy(False) == "P")
    digits = np.array([int(n[6:12]) for n in nik.to_pylist()])
    assert (digits == day * 10_000 + month * 100 + year % 100).all()
    assert pc.count_distinct(nik).as_py() == len(nik)
    # And through the register's own rules on a sample.
    for row in rows.slice(0, 3000).to_pylist():
        result = check_nik(row["nik"], reference_date=AS_OF, record_birth_date=row["birth_date"],
                           record_sex=row["sex"])
        assert result.valid, (row["nik"], result.errors)
        assert result.birth_date == row["birth_date"] and result.sex == row["sex"], row


def test_defects_are_planted_at_their_rates_and_listed_in_the_truth_file(population):
    _, persons, families, truth = population
    kinds = truth.column("kind").to_pylist()
    for kind, rate in DEFAULT_RATES.items():
        base = len(families) if kind == "kk_without_head" else RESIDENTS
        assert abs(kinds.count(kind) - round(base * rate)) <= 1, kind
    rows = {r["nik"]: r for r in persons.to_pylist()}
    for t in truth.to_pylist():
        if t["kind"] == "invalid_nik":
            assert not check_nik(t["nik"], reference_date=AS_OF).valid, t
            assert t["nik"] in rows
        elif t["kind"] == "shared_nik":
            assert pc.sum(pc.cast(pc.equal(persons.column("nik"), t["nik"]), "int64")).as_py() == 2
        elif t["kind"] == "duplicate_person":
            first, second = rows[t["nik"]], rows[t["other_nik"]]
            assert first["nik"] != second["nik"] and first["sex"] == second["sex"]
            assert abs((first["birth_date"] - second["birth_date"]).days) <= 2
        elif t["kind"] == "dead_unrecorded":
            assert rows[t["nik"]]["status"] == "hidup" and rows[t["nik"]]["death_cert_no"] == ""
        elif t["kind"] == "nik_date_differs":
            record = rows[t["nik"]]
            assert check_nik(t["nik"], reference_date=AS_OF).birth_date != record["birth_date"]
        elif t["kind"] == "kk_without_head":
            members = [r for r in rows.values() if r["kk"] == t["kk"]]
            assert members and not any(r["relation"] == "kepala_keluarga" for r in members)


def test_document_holdings_are_near_the_2023_coverage_figures(population):
    _, persons, families, _ = population
    alive = persons.filter(pc.equal(persons.column("status"), "hidup"))
    seventeen = AS_OF.replace(year=AS_OF.year - 17)
    adult = pc.less_equal(alive.column("birth_date"), seventeen)
    wajib = alive.filter(pc.or_(adult, pc.not_equal(alive.column("marital_status"), "belum_kawin")))
    recorded = pc.not_equal(wajib.column("ktp_state"), "unregistered")
    assert 0.99 < _share(recorded) < 0.997
    assert 0.004 < _share(pc.equal(wajib.column("ktp_state"), "print_ready_record")) < 0.012
    children = alive.filter(pc.invert(adult))
    assert 0.96 < _share(pc.not_equal(children.column("birth_cert_no"), "")) < 0.995
    assert 0.45 < _share(pc.is_valid(children.column("kia_issued_on"))) < 0.55
    assert 0.01 < _share(pc.is_valid(wajib.column("ikd_activated_on"))) < 0.06
    assert 0.985 < _share(pc.is_valid(families.column("printed_on"))) < 0.997
    dead = persons.filter(pc.equal(persons.column("status"), "meninggal"))
    assert len(dead) and pc.all(pc.not_equal(dead.column("death_cert_no"), "")).as_py()
    assert pc.all(pc.is_valid(dead.column("death_date"))).as_py()


def test_categories_are_siak_values_with_realistic_shares(population):
    _, persons, _, _ = population
    assert 0.82 < _share(pc.equal(persons.column("religion"), "islam")) < 0.86
    assert 0.0 < _share(pc.equal(persons.column("citizenship"), "wna")) < 0.005
    for occupation in ("tni", "polri", "pelajar_mahasiswa", "mengurus_rumah_tangga"):
        assert _share(pc.equal(persons.column("occupation"), occupation)) > 0, occupation
    assert 0.002 < _share(pc.not_equal(persons.column("disability"), "")) < 0.02


def test_the_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    first = output.write(generate(3000, 5), tmp_path / "a")
    again = output.write(generate(3000, 5), tmp_path / "b")
    other = output.write(generate(3000, 6), tmp_path / "c")
    # Same seed, same register: compared by content. (The Parquet bytes of persons are
    # identical in a fresh process but were seen to differ inside the full suite, with
    # equal content, schema and row groups: an encoder detail, not the generator's.)
    assert first["files"]["families.parquet"] == again["files"]["families.parquet"]
    assert first["files"]["truth.parquet"] == again["files"]["truth.parquet"]
    assert pq.read_table(tmp_path / "a" / "persons.parquet").equals(pq.read_table(tmp_path / "b" / "persons.parquet"))
    assert first["files"]["persons.parquet"] != other["files"]["persons.parquet"]
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["residents"] == 3000
    assert pq.read_table(tmp_path / "a" / "persons.parquet").num_rows == 3000


def test_the_command_writes_the_files_and_rejects_bad_rates(tmp_path, capsys):
    call_command("synth", residents=500, seed=1, out=str(tmp_path), defect_rate=["invalid_nik=0.01"],
                 no_progress=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["defect_rates"]["invalid_nik"] == 0.01 and manifest["defects"]["invalid_nik"] == 5
    with pytest.raises(CommandError, match="tidak dikenal"):
        call_command("synth", residents=10, seed=1, out=str(tmp_path), defect_rate=["typo=0.1"], no_progress=True)
    with pytest.raises(CommandError, match="antara 0 dan"):
        call_command("synth", residents=10, seed=1, out=str(tmp_path), defect_rate=["invalid_nik=2"],
                     no_progress=True)
    with pytest.raises(CommandError, match="nama=laju"):
        call_command("synth", residents=10, seed=1, out=str(tmp_path), defect_rate=["invalid_nik"], no_progress=True)


def test_ages_stay_decodable(population):
    _, persons, _, truth = population
    corrected = truth.filter(pc.equal(truth.column("kind"), "nik_date_differs")).column("nik")
    oldest = pc.min(persons.filter(pc.invert(pc.is_in(persons.column("nik"), value_set=corrected)))
                    .column("birth_date")).as_py()
    assert oldest > dt.date(1927, 1, 1)  # two year digits stay unambiguous until 2026
    assert pc.max(persons.column("birth_date")).as_py() <= AS_OF
