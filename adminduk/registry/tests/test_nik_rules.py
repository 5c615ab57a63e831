"""NIK and KK rules: pure functions, no database."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from adminduk.registry.nik import check_kk, check_nik, next_kk, next_nik, nik_stem, resolve_century

REF = dt.date(2023, 1, 18)


def test_it_decodes_a_womans_nik():
    r = check_nik("3171014708900001", reference_date=REF)
    assert r.valid and r.sex == "P" and r.birth_date == dt.date(1990, 8, 7)
    assert r.area_code == "317101" and r.serial == 1 and r.warnings == []


def test_it_rejects_the_hard_rules():
    assert [e.code for e in check_nik("317101470890001", reference_date=REF).errors] == ["length"]
    assert "non_digit" in [e.code for e in check_nik("31710147089000a1", reference_date=REF).errors]
    assert [e.code for e in check_nik("3171013108900001", reference_date=REF).errors] == []  # 31 Aug exists
    assert [e.code for e in check_nik("3171013102900001", reference_date=REF).errors] == ["date"]  # 31 Feb
    assert [e.code for e in check_nik("3171011213900001", reference_date=REF).errors] == ["month"]
    assert [e.code for e in check_nik("3171013502900001", reference_date=REF).errors] == ["day"]
    assert [e.code for e in check_nik("3171011208900000", reference_date=REF).errors] == ["serial"]


def test_area_and_date_mismatches_are_warnings_not_errors():
    r = check_nik("3273011208900003", reference_date=REF, record_area="31.71.01.1001",
                  record_birth_date=dt.date(1990, 8, 13))
    assert r.valid
    assert {w.code for w in r.warnings} == {"unknown_area", "area_differs", "date_differs"}


def test_the_century_is_resolved_against_the_reference_date():
    assert resolve_century(5, 1, 1, dt.date(2023, 1, 18)) == dt.date(2005, 1, 1)
    assert resolve_century(30, 1, 1, dt.date(2023, 1, 18)) == dt.date(1930, 1, 1)
    assert resolve_century(22, 12, 31, dt.date(2023, 1, 18)) == dt.date(2022, 12, 31)
    assert resolve_century(23, 2, 1, dt.date(2023, 1, 18)) == dt.date(1923, 2, 1)


def test_next_nik_and_kk_count_up_from_the_highest_serial():
    assert next_nik("31.71.01", dt.date(2000, 1, 2), "P", []) == "3171014201000001"
    assert next_nik("317101", dt.date(2000, 1, 2), "L", ["3171010201000001", "3171010201000007"]) == "3171010201000008"
    assert next_kk("317101", dt.date(2023, 1, 18), ["3171011801230002"]) == "3171011801230003"
    assert check_kk("3171011801230000")[0].code == "serial"


@given(st.dates(min_value=dt.date(1924, 1, 19), max_value=REF), st.sampled_from(["L", "P"]),
       st.integers(1, 9999), st.sampled_from(["317101", "317506", "310101"]))
def test_a_built_nik_decodes_to_what_built_it(birth, sex, serial, area):
    nik = f"{nik_stem(area, birth, sex)}{serial:04d}"
    r = check_nik(nik, reference_date=REF)
    assert r.valid, r.errors
    assert (r.birth_date, r.sex, r.serial, r.area_code) == (birth, sex, serial, area)


@given(st.text(max_size=20))
def test_any_string_gets_an_answer_never_an_exception(text):
    r = check_nik(text, reference_date=REF)
    assert r.valid == (not r.errors)
    if r.valid:
        assert len(text) == 16 and text.isdigit()


@given(st.from_regex(r"\A[0-9]{16}\Z"))
def test_a_valid_nik_always_has_a_real_past_birth_date(nik):
    r = check_nik(nik, reference_date=REF)
    if r.valid:
        assert r.birth_date <= REF and r.serial > 0
