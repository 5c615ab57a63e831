"""check-register: each invariant on a small hand-made register that breaks it, and one that breaks none."""

import datetime as dt
import json

import duckdb
import pyarrow as pa
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from adminduk.registry.checks import RULES, check_tables, nik_error_sql, nik_surely_valid_sql
from adminduk.registry.models import Family, Person
from adminduk.registry.nik import check_nik
from adminduk.testing import GAMBIR, make_family, make_person

TODAY = dt.date(2023, 1, 18)
HEAD = dict(nik="3171011203850001", family_id=1, relation="kepala_keluarga", status="hidup", marital_status="kawin",
            birth_date=dt.date(1985, 3, 12), death_date=None)
WIFE = dict(HEAD, nik="3171014507870001", relation="istri", birth_date=dt.date(1987, 7, 5))
SON = dict(HEAD, nik="3171010901150001", relation="anak", marital_status="belum_kawin", birth_date=dt.date(2015, 1, 9))
FAMILY = dict(id=1, kk="3171011801230001", kelurahan_code=GAMBIR)


def run(persons, families=(FAMILY,)):
    table = pa.Table.from_pylist(list(persons), schema=pa.schema([
        ("nik", pa.string()), ("family_id", pa.int64()), ("relation", pa.string()), ("status", pa.string()),
        ("marital_status", pa.string()), ("birth_date", pa.date32()), ("death_date", pa.date32())]))
    fams = pa.Table.from_pylist(list(families), schema=pa.schema([
        ("id", pa.int64()), ("kk", pa.string()), ("kelurahan_code", pa.string())]))
    codes = pa.table({"code": [GAMBIR, "31.71.01.1002"]})
    return {r.code: r for r in check_tables(table, fams, codes, today=TODAY)}


def broken(results):
    return {code: r.examples for code, r in results.items() if not r.ok}


def test_a_sound_register_breaks_no_rule():
    results = run([HEAD, WIFE, SON])
    assert list(results) == list(RULES) and broken(results) == {}


@pytest.mark.parametrize(("change", "rule", "example"), [
    (dict(nik="3171013102850001"), "nik_invalid", "3171013102850001"),  # 31 February
    (dict(nik="317101120385001"), "nik_invalid", "317101120385001"),  # 15 digits
    (dict(nik="3171011203850000"), "nik_invalid", "3171011203850000"),  # serial 0000
    (dict(relation="istri", marital_status="belum_kawin"), "spouse_belum_kawin", "3171010901150001"),
    (dict(status="meninggal"), "dead_without_death_date", "3171010901150001"),
    (dict(death_date=dt.date(2020, 1, 1)), "death_date_but_not_dead", "3171010901150001"),
    (dict(status="meninggal", death_date=dt.date(2010, 1, 1)), "death_before_birth", "3171010901150001"),
    (dict(birth_date=dt.date(2024, 1, 1)), "birth_in_future", "3171010901150001"),
    (dict(birth_date=dt.date(1980, 1, 1)), "child_not_younger_than_head", "3171010901150001"),
])
def test_each_person_rule_is_caught_with_an_example(change, rule, example):
    assert broken(run([HEAD, WIFE, dict(SON, **change)])) == {rule: [example]}


def test_a_nik_on_two_kks_is_a_shared_nik_and_a_person_on_two_kks():
    second = dict(FAMILY, id=2, kk="3171011801230002")
    copy = dict(SON, family_id=2, relation="kepala_keluarga")
    assert broken(run([HEAD, WIFE, SON, copy], [FAMILY, second])) == {
        "nik_shared": ["3171010901150001"], "person_on_two_kk": ["3171010901150001"]}


def test_a_nik_twice_in_one_kk_is_shared_but_not_on_two_kks():
    assert broken(run([HEAD, WIFE, SON, SON])) == {"nik_shared": ["3171010901150001"]}


def test_family_rules():
    empty = dict(FAMILY, id=2, kk="3171011801230002")
    nowhere = dict(FAMILY, id=3, kk="3171011801230003", kelurahan_code="31.71.01.9999")
    bad_kk = dict(FAMILY, id=4, kk="3171011801230000")
    headless = dict(FAMILY, id=5, kk="3171011801230005")
    two_heads = dict(FAMILY, id=6, kk="3171011801230006")
    persons = [HEAD, WIFE, SON,
               dict(HEAD, nik="3171010101900001", family_id=3), dict(HEAD, nik="3171010101900002", family_id=4),
               dict(SON, nik="3171010101900003", family_id=5),
               dict(HEAD, nik="3171010101900004", family_id=6), dict(HEAD, nik="3171010101900005", family_id=6)]
    assert broken(run(persons, [FAMILY, empty, nowhere, bad_kk, headless, two_heads])) == {
        "kk_invalid": ["3171011801230000"],
        "kk_without_members": ["3171011801230002"],
        "kk_without_living_head": ["3171011801230005"],
        "kk_with_two_heads": ["3171011801230006"],
        "family_unknown_kelurahan": ["3171011801230003"],
    }


def test_a_family_whose_head_died_has_no_living_head():
    assert "kk_without_living_head" in broken(run([dict(HEAD, status="meninggal", death_date=TODAY), WIFE, SON]))


def test_a_family_whose_members_all_left_needs_no_head():
    moved = [dict(p, status="pindah") for p in (HEAD, WIFE, SON)]
    assert broken(run(moved)) == {}


def test_messages_can_be_english():
    results = check_tables(*_empty_tables(), lang="en", today=TODAY)
    assert results[0].title.startswith("NIK fails the hard rules")


def _empty_tables():
    return (pa.table({c: pa.array([], pa.string()) for c in ("nik", "family_id", "relation", "status",
                                                              "marital_status", "birth_date", "death_date")}),
            pa.table({c: pa.array([], pa.string()) for c in ("id", "kk", "kelurahan_code")}),
            pa.table({"code": pa.array([], pa.string())}))


# --- the command, on the database (the engine reads through its own connection) ---

@pytest.mark.django_db(transaction=True)
def test_the_command_passes_a_sound_register_and_fails_a_broken_one(regions, capsys):
    family = make_family()
    make_person(family)
    make_person(family, name="Siti Aminah", sex="P", birth_date=dt.date(1987, 7, 5), relation="istri")
    call_command("check_register")
    assert "0 aturan dilanggar" in capsys.readouterr().out

    # A second KK whose head carries the same NIK: broken outside the actions, as old data is.
    other = make_family(rt="003")
    Person.objects.create(**{f.attname: getattr(Person.objects.first(), f.attname)
                             for f in Person._meta.concrete_fields if f.attname not in ("id", "family_id")},
                          family=other)
    Family.objects.filter(pk=family.pk).update(kk="3171011801230000")
    with pytest.raises(CommandError):
        call_command("check_register", "--json", "--examples", "1")
    report = json.loads(capsys.readouterr().out)
    failed = {r["code"]: r for r in report["rules"] if not r["ok"]}
    assert set(failed) == {"nik_shared", "person_on_two_kk", "kk_invalid"} and not report["ok"]
    assert failed["person_on_two_kk"]["examples"] == [Person.objects.first().nik]



# --- the vectorised NIK rule is the pure rule ---

_structured = st.builds(lambda area, d, m, y, s: f"{area}{d:02d}{m:02d}{y:02d}{s:04d}",
                        st.sampled_from(["317101", "327301", "000000"]), st.integers(0, 99), st.integers(0, 15),
                        st.integers(0, 99), st.integers(0, 3))
_noise = st.text(alphabet="0123456789a +", min_size=13, max_size=18)


_CON = duckdb.connect()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_structured, _noise), min_size=1, max_size=200))
def test_the_sql_nik_rule_agrees_with_the_pure_rule(niks):
    _CON.register("niks", pa.table({"nik": pa.array(niks, pa.string())}))
    rows = _CON.execute(f"SELECT {nik_error_sql('nik')}, {nik_surely_valid_sql('nik')} FROM niks").fetchall()
    in_sql = [error for error, _ in rows]
    assert all(error is None for error, surely_valid in rows if surely_valid)
    expected = [(check_nik(n, reference_date=dt.date(2099, 12, 31), known_areas=()).errors or [None])[0] for n in niks]
    assert in_sql == [e.code if e else None for e in expected]
