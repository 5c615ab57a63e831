"""Invariants of the register, checked in bulk (`adminduk check-register`).

Each rule is one DuckDB query over an Arrow read of the register (see
`adminduk.analytics.engine`): at 11 million residents the checks read seven person
columns once and run in seconds, where walking model instances would take an hour.
The NIK hard rules are the same as `registry.nik.check_nik` (length, digits, month,
day, a date that exists in either century, serial not 0000), written as SQL so that
they run vectorised; `nik_error_sql` is shared with the importer.

A rule that fails is not necessarily a bug in this system: registers that grew over
decades hold duplicate NIKs and malformed records (DOMAIN.md §1.2). The check makes
them visible with counts and examples so that someone can fix them through actions.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from adminduk.analytics import engine

# The rules, in the order they are reported: code -> (Bahasa Indonesia, English, kind of example).
RULES = {
    "nik_invalid": (
        "NIK tidak memenuhi aturan wajib (16 digit, tanggal lahir ada, nomor urut bukan 0000)",
        "NIK fails the hard rules (16 digits, a real birth date, serial not 0000)", "nik"),
    "nik_shared": (
        "satu NIK dipakai oleh lebih dari satu baris penduduk",
        "one NIK is held by more than one person row", "nik"),
    "person_on_two_kk": (
        "penduduk (NIK yang sama) tercatat pada dua KK atau lebih",
        "a person (the same NIK) is on two or more KKs", "nik"),
    "kk_invalid": (
        "nomor KK tidak memenuhi aturan wajib (16 digit, nomor urut bukan 0000)",
        "KK number fails the hard rules (16 digits, serial not 0000)", "kk"),
    "kk_without_members": (
        "KK tanpa anggota keluarga", "KK without any member", "kk"),
    "kk_without_living_head": (
        "KK dengan anggota hidup tetapi tanpa kepala keluarga yang hidup",
        "KK with living members but no living head of family", "kk"),
    "kk_with_two_heads": (
        "KK dengan lebih dari satu kepala keluarga yang hidup",
        "KK with more than one living head of family", "kk"),
    "family_unknown_kelurahan": (
        "alamat KK pada kelurahan yang tidak ada dalam kode wilayah Kemendagri",
        "KK address in a kelurahan that is not in the Kemendagri area codes", "kk"),
    "spouse_belum_kawin": (
        "suami/istri berstatus belum kawin", "husband/wife recorded as never married", "nik"),
    "dead_without_death_date": (
        "penduduk meninggal tanpa tanggal meninggal", "dead person without a date of death", "nik"),
    "death_date_but_not_dead": (
        "tanggal meninggal terisi tetapi status bukan meninggal",
        "date of death recorded but the status is not dead", "nik"),
    "death_before_birth": (
        "tanggal meninggal sebelum tanggal lahir", "date of death before the date of birth", "nik"),
    "birth_in_future": (
        "tanggal lahir di masa depan", "date of birth in the future", "nik"),
    "child_not_younger_than_head": (
        "anak yang lahir pada atau sebelum tanggal lahir kepala keluarganya",
        "child born on or before the birth date of the head of the family", "nik"),
}

PERSON_COLUMNS = ("nik", "family_id", "relation", "status", "marital_status", "birth_date", "death_date")
FAMILY_COLUMNS = ("id", "kk", "kelurahan_code")


def nik_error_sql(col: str) -> str:
    """A DuckDB expression giving the first hard-rule code that `col` breaks, or NULL.

    The codes are those of `registry.nik.MESSAGES`. The century rule of
    `nik.resolve_century` makes a date impossible only if it exists in neither 19YY
    nor 20YY, so 29 February is valid exactly when YY is divisible by 4 (2000 was a
    leap year). Arithmetic, not a date parse: parsing is 5x slower at 11 million rows.
    """
    day = f"CAST(substr({col}, 7, 2) AS INTEGER)"
    month = f"CAST(substr({col}, 9, 2) AS INTEGER)"
    year = f"CAST(substr({col}, 11, 2) AS INTEGER)"
    real_day = f"({day} - CASE WHEN {day} > 40 THEN 40 ELSE 0 END)"
    days_in_month = (f"CASE {month} WHEN 2 THEN CASE WHEN {year} % 4 = 0 THEN 29 ELSE 28 END "
                     f"WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END")
    return f"""CASE
        WHEN {col} IS NULL OR length({col}) <> 16 THEN 'length'
        WHEN NOT regexp_full_match({col}, '[0-9]{{16}}') THEN 'non_digit'
        WHEN {month} NOT BETWEEN 1 AND 12 THEN 'month'
        WHEN NOT ({day} BETWEEN 1 AND 31 OR {day} BETWEEN 41 AND 71) THEN 'day'
        WHEN {real_day} > {days_in_month} THEN 'date'
        WHEN substr({col}, 13, 4) = '0000' THEN 'serial'
    END"""


def nik_surely_valid_sql(col: str) -> str:
    """A cheap test that nearly every valid NIK passes (a day 01-28 exists in every
    month); filtering with it first runs `nik_error_sql` on the few rows that remain,
    which halves the NIK check at 11 million rows. A NIK it passes is valid; one it
    fails may still be valid."""
    # TRY_CAST: the engine may evaluate the conjuncts in any order, digits or not.
    day, month = (f"TRY_CAST(substr({col}, {i}, 2) AS INTEGER)" for i in (7, 9))
    return (f"coalesce(length({col}) = 16 AND regexp_full_match({col}, '[0-9]{{16}}') "
            f"AND substr({col}, 13, 4) <> '0000' AND {month} BETWEEN 1 AND 12 "
            f"AND {day} % 40 BETWEEN 1 AND 28 AND {day} <= 68, false)")


def kk_error_sql(col: str) -> str:
    """The first hard-rule code of `registry.nik.check_kk` that `col` breaks, or NULL."""
    return f"""CASE
        WHEN {col} IS NULL OR length({col}) <> 16 THEN 'length'
        WHEN NOT regexp_full_match({col}, '[0-9]{{16}}') THEN 'non_digit'
        WHEN substr({col}, 13, 4) = '0000' THEN 'serial'
    END"""


@dataclass
class CheckResult:
    code: str
    title: str
    count: int
    examples: list[str] = field(default_factory=list)
    example_kind: str = "nik"

    @property
    def ok(self) -> bool:
        return self.count == 0

    def as_json(self) -> dict:
        return asdict(self) | {"ok": self.ok}


# Two aggregates shared by several rules, built once (each is a GROUP BY over every
# person, the expensive part at 11 million rows).
_PREPARE = (
    # NIKs held by more than one row, and whether those rows sit on different KKs.
    """CREATE TEMP TABLE dup AS SELECT nik, count(*) AS n, min(family_id) <> max(family_id) AS two_kk
       FROM p GROUP BY nik HAVING count(*) > 1""",
    # Per family: living members, living heads, the (first) head's birth date.
    """CREATE TEMP TABLE fam AS SELECT family_id,
           count(*) FILTER (WHERE status = 'hidup') AS living,
           count(*) FILTER (WHERE status = 'hidup' AND relation = 'kepala_keluarga') AS living_heads,
           min(birth_date) FILTER (WHERE relation = 'kepala_keluarga') AS head_birth
       FROM p GROUP BY family_id""",
)

# code -> SQL returning one row per offending person or family, with a column `example`
# (the NIK or KK to show). Tables: p (persons), f (families), r (kelurahan codes).
_QUERIES = {
    "nik_invalid": f"""SELECT nik AS example FROM p
        WHERE NOT {nik_surely_valid_sql('nik')} AND ({nik_error_sql('nik')}) IS NOT NULL""",
    "nik_shared": "SELECT nik AS example FROM dup",
    "person_on_two_kk": "SELECT nik AS example FROM dup WHERE two_kk",
    "kk_invalid": f"SELECT kk AS example FROM f WHERE ({kk_error_sql('kk')}) IS NOT NULL",
    "kk_without_members": "SELECT kk AS example FROM f ANTI JOIN fam ON fam.family_id = f.id",
    "kk_without_living_head": "SELECT f.kk AS example FROM f JOIN fam ON fam.family_id = f.id "
                              "WHERE fam.living > 0 AND fam.living_heads = 0",
    "kk_with_two_heads": "SELECT f.kk AS example FROM f JOIN fam ON fam.family_id = f.id WHERE fam.living_heads > 1",
    "family_unknown_kelurahan": "SELECT kk AS example FROM f ANTI JOIN r ON r.code = f.kelurahan_code",
    "spouse_belum_kawin": "SELECT nik AS example FROM p WHERE relation IN ('suami', 'istri') AND marital_status = 'belum_kawin'",
    "dead_without_death_date": "SELECT nik AS example FROM p WHERE status = 'meninggal' AND death_date IS NULL",
    "death_date_but_not_dead": "SELECT nik AS example FROM p WHERE status <> 'meninggal' AND death_date IS NOT NULL",
    "death_before_birth": "SELECT nik AS example FROM p WHERE death_date < birth_date",
    "birth_in_future": "SELECT nik AS example FROM p WHERE birth_date > $today",
    # SHDK `anak` is the head's (or the head's spouse's) child; one born before the head
    # is a data-entry error (swapped dates or the wrong relation).
    "child_not_younger_than_head": """SELECT c.nik AS example FROM p c JOIN fam ON fam.family_id = c.family_id
        WHERE c.relation = 'anak' AND c.birth_date <= fam.head_birth""",
}
assert set(_QUERIES) == set(RULES)


def check_tables(persons: pa.Table, families: pa.Table, kelurahan_codes: pa.Table, *, lang: str = "id",
                 examples: int = 5, today: dt.date | None = None) -> list[CheckResult]:
    """Run every rule over Arrow tables: persons with PERSON_COLUMNS, families with
    FAMILY_COLUMNS, kelurahan_codes with one column `code`."""
    today = today or dt.date.today()
    results = []
    with engine.duck(p_raw=persons, f_raw=families, r_raw=kelurahan_codes) as con:
        # Typed views: an empty read from SQLite comes back with untyped (null/int) columns.
        con.execute("""CREATE TEMP VIEW p AS SELECT CAST(nik AS VARCHAR) AS nik, CAST(family_id AS BIGINT) AS family_id,
            CAST(relation AS VARCHAR) AS relation, CAST(status AS VARCHAR) AS status,
            CAST(marital_status AS VARCHAR) AS marital_status, CAST(birth_date AS DATE) AS birth_date,
            CAST(death_date AS DATE) AS death_date FROM p_raw""")
        con.execute("""CREATE TEMP VIEW f AS SELECT CAST(id AS BIGINT) AS id, CAST(kk AS VARCHAR) AS kk,
            CAST(kelurahan_code AS VARCHAR) AS kelurahan_code FROM f_raw""")
        con.execute("CREATE TEMP VIEW r AS SELECT CAST(code AS VARCHAR) AS code FROM r_raw")
        for sql in _PREPARE:
            con.execute(sql)
        for code, sql in _QUERIES.items():
            params = {"today": today} if "$today" in sql else None
            con.execute(f"CREATE OR REPLACE TEMP TABLE hits AS {sql}", params)
            count = con.execute("SELECT count(*) FROM hits").fetchall()[0][0]
            sample = [row[0] for row in con.execute(
                "SELECT example FROM hits ORDER BY example LIMIT ?", [examples]).fetchall()] if count else []
            text_id, text_en, kind = RULES[code]
            results.append(CheckResult(code, text_en if lang == "en" else text_id, count, sample, kind))
    return results


def check_register(*, lang: str = "id", examples: int = 5, today: dt.date | None = None,
                   parts: int = 2) -> list[CheckResult]:
    """Walk the whole register in the operational database and check every rule.

    The person table is read in `parts` id ranges at the same time as the families
    (each read is its own database connection, on SQLite its own process), so the two
    cores both work: the read is most of the run time at 11 million residents.
    """
    low, high = engine.fetch_arrow("SELECT min(id) AS lo, max(id) AS hi FROM registry_person").to_pylist()[0].values()
    low, high = low or 0, high or 0
    step = (high - low) // parts + 1
    ranges = [(low + i * step, min(high, low + (i + 1) * step - 1)) for i in range(parts)]
    with ThreadPoolExecutor(max_workers=parts + 1) as pool:
        person_parts = [pool.submit(engine.persons_table, PERSON_COLUMNS, f"p.id BETWEEN {a} AND {b}")
                        for a, b in ranges]
        families = pool.submit(engine.families_table, FAMILY_COLUMNS)
        kelurahan = pool.submit(engine.fetch_arrow, "SELECT code FROM regions_region WHERE level = 'kelurahan'")
        persons = pa.concat_tables([f.result() for f in person_parts], promote_options="permissive")
        return check_tables(persons, families.result(), kelurahan.result(), lang=lang, examples=examples,
                            today=today)
