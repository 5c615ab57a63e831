"""The columnar computation of every indicator for every area on one as-of date.

The register is read once through the engine (ADBC → Arrow), only small integer and
date columns (the text columns are turned into flags by the database, so 11 million
rows cross over as a few narrow columns), then counted per kelurahan in DuckDB and
summed up the area tree in Python (318 areas). Nothing here touches the ORM per row.

Each numerator is counted under the same condition as its denominator plus one more,
so it is a subset and no figure can exceed 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from adminduk.analytics.engine import duck, fetch_arrow
from adminduk.registry.choices import KTP_RECORDED_STATES, KtpState, LifeStatus, MaritalStatus

from .indicators import KEYS, POLLING_DAY

_RECORDED = ", ".join(f"'{s}'" for s in sorted(KTP_RECORDED_STATES))
# Text columns become small integers in the database, so the transfer stays narrow.
PERSONS_SQL = f"""
SELECT p.family_id AS family_id,
       p.birth_date AS birth_date,
       p.death_date AS death_date,
       p.kia_issued_on AS kia_issued_on,
       p.ikd_activated_on AS ikd_activated_on,
       CASE p.status WHEN '{LifeStatus.HIDUP}' THEN 0 WHEN '{LifeStatus.MENINGGAL}' THEN 1 ELSE 2 END AS life,
       CASE WHEN p.marital_status = '{MaritalStatus.BELUM_KAWIN}' THEN 0 ELSE 1 END AS ever_married,
       CASE WHEN p.ktp_state NOT IN ({_RECORDED}) THEN 0
            WHEN p.ktp_state = '{KtpState.PRINT_READY_RECORD}' THEN 2
            WHEN p.ktp_state IN ('{KtpState.PRINTED}', '{KtpState.ISSUED}') THEN 3
            ELSE 1 END AS ktp,
       CASE WHEN p.birth_cert_no <> '' THEN 1 ELSE 0 END AS akta_lahir,
       CASE WHEN p.death_cert_no <> '' THEN 1 ELSE 0 END AS akta_mati
FROM registry_person p
"""
FAMILIES_SQL = "SELECT id, kelurahan_code, issued_on, printed_on FROM registry_family"

# Counted per kelurahan in DuckDB. $as_of is the as-of date, $pd the polling day.
# Alive on the as-of date: born by then and either living or died after it (people who
# moved out of DKI carry no date, so they are left out on every date).
COUNT_SQL = """
WITH p AS (
  SELECT f.kelurahan_code AS kel,
         p.family_id,
         p.birth_date <= $as_of AND (p.life = 0 OR (p.life = 1 AND p.death_date > $as_of)) AS alive,
         p.life = 1 AND (p.death_date IS NULL OR p.death_date <= $as_of) AS dead,
         p.birth_date <= CAST($as_of - INTERVAL 17 YEAR AS DATE) OR p.ever_married = 1 AS wajib,
         p.birth_date <= CAST($pd - INTERVAL 17 YEAR AS DATE) OR p.ever_married = 1 AS wajib_pemilu,
         p.birth_date > CAST($as_of - INTERVAL 18 YEAR AS DATE) AS under18,
         p.birth_date > CAST($as_of - INTERVAL 17 YEAR AS DATE) AND p.ever_married = 0 AS kia_age,
         p.ktp, p.akta_lahir, p.akta_mati,
         p.kia_issued_on <= $as_of AS kia,
         p.ikd_activated_on <= $as_of AS ikd
  FROM persons p JOIN families f ON f.id = p.family_id
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
    count(*) FILTER (WHERE f.issued_on IS NULL OR f.issued_on <= $as_of) AS kk_cetak_den,
    count(*) FILTER (WHERE (f.issued_on IS NULL OR f.issued_on <= $as_of) AND f.printed_on <= $as_of) AS kk_cetak_num
  FROM families f JOIN active_families a ON a.family_id = f.id
  GROUP BY 1
)
SELECT coalesce(pp.kel, pf.kel) AS kel, pp.* EXCLUDE (kel), coalesce(pf.kk_cetak_den, 0) AS kk_cetak_den,
       coalesce(pf.kk_cetak_num, 0) AS kk_cetak_num
FROM per_person pp FULL JOIN per_family pf ON pf.kel = pp.kel
"""


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


def read_register() -> Register:
    return Register(fetch_arrow(PERSONS_SQL), fetch_arrow(FAMILIES_SQL))


def count_kelurahan(as_of: dt.date, register: Register | None = None) -> Counts:
    """Counts on one as-of date; pass `register` to count several dates from one read."""
    register = register or read_register()
    persons, families = register.persons, register.families
    with duck(persons=persons, families=families) as con:
        cur = con.execute(COUNT_SQL, {"as_of": as_of, "pd": POLLING_DAY})
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
