"""The columnar computation of every indicator for every area on one as-of date.

The register is read once through the engine (ADBC → Arrow), only small integers
(dates as day numbers, the text columns packed into one flags integer by the database,
so 11 million rows cross over as six narrow columns), then counted per kelurahan in DuckDB and
summed up the area tree in Python (318 areas). Nothing here touches the ORM per row.

Each numerator is counted under the same condition as its denominator plus one more,
so it is a subset and no figure can exceed 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
from django.db import connection

from adminduk.analytics.engine import duck, fetch_arrow
from adminduk.registry.choices import KTP_RECORDED_STATES, KtpState, LifeStatus, MaritalStatus

from .indicators import KEYS, POLLING_DAY

_RECORDED = ", ".join(f"'{s}'" for s in sorted(KTP_RECORDED_STATES))
EPOCH = dt.date(1970, 1, 1)
# Flags packed into one small integer per person, so 11 million rows cross over from
# the database as six integer columns (the read, not the counting, is what costs):
#   life 0..2 (hidup, meninggal, other) + 3 × ever married + 6 × KTP-el stage 0..3
#   (0 none, 1 recorded, 2 PRR, 3 printed/issued) + 24 × birth cert + 48 × death cert.
FLAGS_SQL = f"""
  (CASE p.status WHEN '{LifeStatus.HIDUP}' THEN 0 WHEN '{LifeStatus.MENINGGAL}' THEN 1 ELSE 2 END)
  + (CASE WHEN p.marital_status = '{MaritalStatus.BELUM_KAWIN}' THEN 0 ELSE 3 END)
  + (CASE WHEN p.ktp_state NOT IN ({_RECORDED}) THEN 0
          WHEN p.ktp_state = '{KtpState.PRINT_READY_RECORD}' THEN 12
          WHEN p.ktp_state IN ('{KtpState.PRINTED}', '{KtpState.ISSUED}') THEN 18
          ELSE 6 END)
  + (CASE WHEN p.birth_cert_no <> '' THEN 24 ELSE 0 END)
  + (CASE WHEN p.death_cert_no <> '' THEN 48 ELSE 0 END)"""


def _days(column: str) -> str:
    """A date column as days since 1970-01-01 (NULL stays NULL), in the database's dialect."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def persons_sql(where: str = "") -> str:
    return (f"SELECT p.family_id AS family_id, {_days('p.birth_date')} AS birth, {_days('p.death_date')} AS death, "
            f"{_days('p.kia_issued_on')} AS kia_on, {_days('p.ikd_activated_on')} AS ikd_on, {FLAGS_SQL} AS flags "
            f"FROM registry_person p{' WHERE ' + where if where else ''}")


def families_sql() -> str:
    return (f"SELECT id, kelurahan_code, {_days('issued_on')} AS issued, {_days('printed_on')} AS printed "
            "FROM registry_family")


# Counted per kelurahan in DuckDB, dates as day numbers. Alive on the as-of date: born
# by then and either living or died after it (people who moved out of DKI carry no
# date, so they are left out on every date).
COUNT_SQL = """
WITH q AS (
  SELECT family_id, birth, death, kia_on, ikd_on,
         flags % 3 AS life, (flags // 3) % 2 AS ever_married, (flags // 6) % 4 AS ktp,
         (flags // 24) % 2 AS akta_lahir, (flags // 48) % 2 AS akta_mati
  FROM persons
),
p AS (
  SELECT f.kelurahan_code AS kel,
         q.family_id,
         q.birth <= $as_of AND (q.life = 0 OR (q.life = 1 AND q.death > $as_of)) AS alive,
         q.life = 1 AND (q.death IS NULL OR q.death <= $as_of) AS dead,
         q.birth <= $adult OR q.ever_married = 1 AS wajib,
         q.birth <= $adult_pd OR q.ever_married = 1 AS wajib_pemilu,
         q.birth > $born18 AS under18,
         q.birth > $adult AND q.ever_married = 0 AS kia_age,
         q.ktp, q.akta_lahir, q.akta_mati,
         q.kia_on <= $as_of AS kia,
         q.ikd_on <= $as_of AS ikd
  FROM q JOIN families f ON f.id = q.family_id
),
per_person AS (
  SELECT kel,
    count(*) FILTER (WHERE alive AND wajib) AS ktp_rekam_den,
    count(*) FILTER (WHERE alive AND wajib AND ktp >= 1) AS ktp_rekam_num,
    count(*) FILTER (WHERE alive AND wajib AND ktp >= 2) AS ktp_cetak_den,
    count(*) FILTER (WHERE alive AND wajib AND ktp = 3) AS ktp_cetak_num,
    count(*) FILTER (WHERE alive AND under18) AS akta_lahir_den,
    count(*) FILTER (WHERE alive AND under18 AND akta_lahir = 1) AS akta_lahir_num,
    count(*) FILTER (WHERE alive AND kia_age) AS kia_den,
    count(*) FILTER (WHERE alive AND kia_age AND kia) AS kia_num,
    count(*) FILTER (WHERE dead) AS akta_mati_den,
    count(*) FILTER (WHERE dead AND akta_mati = 1) AS akta_mati_num,
    count(*) FILTER (WHERE alive AND wajib AND ktp >= 1) AS ikd_den,
    count(*) FILTER (WHERE alive AND wajib AND ktp >= 1 AND ikd) AS ikd_num,
    count(*) FILTER (WHERE alive AND wajib_pemilu) AS ktp_pemilu_den,
    count(*) FILTER (WHERE alive AND wajib_pemilu AND ktp >= 1) AS ktp_pemilu_num
  FROM p GROUP BY kel
),
active_families AS (SELECT DISTINCT family_id FROM p WHERE alive),
per_family AS (
  SELECT f.kelurahan_code AS kel,
    count(*) FILTER (WHERE f.issued IS NULL OR f.issued <= $as_of) AS kk_cetak_den,
    count(*) FILTER (WHERE (f.issued IS NULL OR f.issued <= $as_of) AND f.printed <= $as_of) AS kk_cetak_num
  FROM families f JOIN active_families a ON a.family_id = f.id
  GROUP BY 1
)
SELECT coalesce(pp.kel, pf.kel) AS kel, pp.* EXCLUDE (kel), coalesce(pf.kk_cetak_den, 0) AS kk_cetak_den,
       coalesce(pf.kk_cetak_num, 0) AS kk_cetak_num
FROM per_person pp FULL JOIN per_family pf ON pf.kel = pp.kel
"""


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier; 29 February falls back to the 28th (as
    `PersonQuerySet.wajib_ktp` reckons a 17th birthday)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def _n(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class Counts:
    """Numerator and denominator of every indicator for every kelurahan in the register."""

    as_of: dt.date
    persons_read: int
    # kelurahan code -> indicator key -> (numerator, denominator)
    kelurahan: dict[str, dict[str, tuple[int, int]]]


@dataclass
class Register:
    """The narrow columns of the register that every indicator needs (Arrow)."""

    persons: object
    families: object


def read_register(parts: int = 2) -> Register:
    """Read the narrow columns, persons in `parts` id ranges at once (one reader per
    core: on SQLite each reader is a child process stepping rows) next to the families."""
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM registry_person")
        low, high = cur.fetchone()
    queries = [families_sql()]
    if low is None:
        queries.append(persons_sql())
    else:
        step = (high - low) // parts + 1
        queries += [persons_sql(f"p.id >= {low + i * step} AND p.id < {low + (i + 1) * step}") for i in range(parts)]
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        tables = list(pool.map(fetch_arrow, queries))
    persons = pa.concat_tables(tables[1:]) if len(tables) > 2 else tables[1]
    return Register(persons, tables[0])


def count_kelurahan(as_of: dt.date, register: Register | None = None) -> Counts:
    """Counts on one as-of date; pass `register` to count several dates from one read."""
    register = register or read_register()
    persons, families = register.persons, register.families
    with duck(persons=persons, families=families) as con:
        cur = con.execute(COUNT_SQL, {"as_of": _n(as_of), "adult": _n(years_before(as_of, 17)),
                                      "adult_pd": _n(years_before(POLLING_DAY, 17)),
                                      "born18": _n(years_before(as_of, 18))})
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        out[row["kel"]] = {k: (int(row[f"{k}_num"] or 0), int(row[f"{k}_den"] or 0)) for k in KEYS}
    return Counts(as_of=as_of, persons_read=persons.num_rows, kelurahan=out)


def roll_up(kelurahan: dict[str, dict[str, tuple[int, int]]], areas: dict[str, tuple[str, str, str]]
            ) -> dict[str, dict[str, tuple[int, int]]]:
    """Sum kelurahan counts into every ancestor (numerators and denominators add up).

    `areas` maps every area code to (level, name, parent code). Every area gets a value,
    zero when nobody lives there, so a league table never silently drops an area.
    """
    totals: dict[str, dict[str, list[int]]] = {code: defaultdict(lambda: [0, 0]) for code in areas}
    for kel, values in kelurahan.items():
        if kel not in areas:
            continue  # an address outside the known area list; check-register reports it
        parts = kel.split(".")
        for depth in range(1, len(parts) + 1):
            code = ".".join(parts[:depth])
            if code not in totals:
                continue
            for key, (num, den) in values.items():
                cell = totals[code][key]
                cell[0] += num
                cell[1] += den
    return {code: {k: tuple(values[k]) for k in KEYS} for code, values in totals.items()}
