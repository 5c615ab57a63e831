"""A realistic synthetic KPU list made from the register, with known perturbations and
their truth, to measure the reconciliation (precision and recall per category).

The list starts as the DP4 of the election (Model A, like Sidalih's list after coklit)
and then gets what real lists contain (DOMAIN.md §1.2, §3.2): dead voters, duplicates
(same NIK twice, or a second row with a mistyped NIK), unmarried people under 17,
people who moved out of DKI, TNI and Polri members, malformed NIKs (15/17 digits,
letters, a zero serial), one-digit NIK errors that may land on another real person,
typos in names, swapped day and month, people unknown to the register, and eligible
residents missing from the list. On top comes formatting noise that is *not* a finding
(ISO dates, lower case, stray spaces, unpadded RT/RW, name variants such as
Muhammad/Muhamad), to exercise the intake's tolerance.

Deterministic for a given register and seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from adminduk.registry.names import name_key
from adminduk.registry.nik import is_valid_nik

from . import dp4
from .eligibility import exclusion_reason_sql, model_a_select
from .intake import nik_valid_sql

# Shares of the eligible register (or of the ineligible group, for the TMS groups).
RATES = {
    "missing": 0.02,         # belum_terdaftar
    "ganda_same": 0.002,     # the same row twice
    "ganda_typo": 0.002,     # a second row with a mistyped NIK
    "nik_invalid": 0.0025,
    "nik_digit": 0.0015,     # one wrong digit, still a well-formed NIK: data_berbeda
    "typo": 0.004,           # a typo in the name: data_berbeda
    "swap": 0.002,           # day and month swapped: data_berbeda
    "unknown": 0.0008,       # tidak_dikenal (share of the eligible count)
    "meninggal": 0.08,       # of the dead in the register
    "pindah": 0.1,           # of those who moved out
    "di_bawah_umur": 0.01,   # of unmarried under-17s
    "tni": 0.3,
    "polri": 0.3,
}
TRUTH_OF = {"ganda_same": "ganda", "ganda_typo": "ganda", "nik_invalid": "nik_invalid", "nik_digit": "data_berbeda",
            "typo": "data_berbeda", "swap": "data_berbeda", "meninggal": "meninggal", "pindah": "pindah_domisili",
            "di_bawah_umur": "di_bawah_umur", "tni": "tni", "polri": "polri"}

LIST_FIELDS = ("no_kk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_perkawinan", "jenis_kelamin",
               "alamat", "rt", "rw", "disabilitas", "status_ktp_el", "keterangan", "kelurahan")


@dataclass
class SynthResult:
    rows: int
    truth: dict[str, int]


def _typo(name: str, rng: random.Random) -> str:
    """One edit that changes the name key (a typo, not a spelling variant)."""
    letters = "ABDEGIKLMNRSTUY"
    for _ in range(20):
        chars = list(name)
        positions = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(positions) < 3:
            break
        i = rng.choice(positions[1:])
        kind = rng.random()
        if kind < 0.5:
            chars[i] = rng.choice([c for c in letters if c != chars[i]])
        elif kind < 0.8 and i + 1 < len(chars) and chars[i + 1].isalpha() and chars[i + 1] != chars[i]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            del chars[i]
        candidate = "".join(chars)
        if name_key(candidate) != name_key(name) and len(name_key(candidate)) >= 2:
            return candidate
    return name + " A"


def _bad_nik(nik: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    i = rng.randrange(12, 16)
    if kind == 0:
        return nik[:i] + nik[i + 1:]                      # 15 digits
    if kind == 1:
        return nik[:i] + str(rng.randrange(10)) + nik[i:]  # 17 digits
    if kind == 2:
        return nik[:12] + "0000"                          # zero serial
    if kind == 3:
        return nik[:6] + "00" + nik[8:]                   # day 00
    return nik.replace("0", "O", 1) if "0" in nik else nik[:15]  # letter O for zero


def _one_digit(nik: str, rng: random.Random) -> str:
    # In the serial: the result stays a well-formed NIK with the same birth-date stem.
    for _ in range(20):
        i = rng.randrange(13, 16)
        candidate = nik[:i] + str(rng.randrange(10)) + nik[i + 1:]
        if candidate != nik and candidate[12:] != "0000":
            return candidate
    return nik[:12] + ("9999" if nik[12:] != "9999" else "9998")


def make_list(register: pa.Table, polling_day: dt.date, out: Path, *, seed: int = 1) -> SynthResult:
    """Write out/list.csv (KPU headers + tps) and out/truth.csv (row, category, matched_nik)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with dp4.duck_session(register=register) as con:
        con.execute(f"""CREATE TEMP VIEW cls AS SELECT r.*, {exclusion_reason_sql(polling_day, 'r')} AS reason,
            (hash(r.nik || '#{seed}') % 1000000) / 1000000.0 AS u FROM register r""")
        # Partition [0, 1) among the perturbations of eligible rows, so they never overlap.
        bounds, start = {}, 0.0
        for key in ("missing", "ganda_same", "ganda_typo", "nik_invalid", "nik_digit", "typo", "swap"):
            bounds[key] = (start, start + RATES[key])
            start += RATES[key]
        pick = " ".join(f"WHEN u >= {a} AND u < {b} THEN '{k}'" for k, (a, b) in bounds.items())
        con.execute(f"""CREATE TEMP TABLE base AS
            SELECT {model_a_select('c')}, c.nik AS true_nik,
                   CASE WHEN c.reason IS NULL THEN (CASE {pick} ELSE 'clean' END)
                        WHEN c.reason = 'meninggal' AND u < {RATES['meninggal']} THEN 'meninggal'
                        WHEN c.reason = 'pindah' AND u < {RATES['pindah']} THEN 'pindah'
                        WHEN c.reason = 'di_bawah_umur' AND u < {RATES['di_bawah_umur']} THEN 'di_bawah_umur'
                        WHEN c.reason = 'tni' AND u < {RATES['tni']} THEN 'tni'
                        WHEN c.reason = 'polri' AND u < {RATES['polri']} THEN 'polri'
                   END AS kind
            FROM cls c""")
        con.execute("DELETE FROM base WHERE kind IS NULL")
        # Rows that need per-row edits (small: a few percent) are edited in Python.
        edit_kinds = ("ganda_typo", "nik_invalid", "nik_digit", "typo", "swap")
        cols = [*LIST_FIELDS, "true_nik", "kind"]
        edits = con.execute(f"SELECT {', '.join(cols)} FROM base WHERE kind IN {edit_kinds} ORDER BY true_nik").fetchall()
        new_rows = []
        for values in edits:
            row = dict(zip(cols, values, strict=True))
            kind = row["kind"]
            if kind == "ganda_typo":
                dup = dict(row, kind="ganda_typo_extra", nik=_one_digit(row["nik"], rng))
                new_rows.append(dup)
                row["kind"] = "ganda_typo_first"
            elif kind == "nik_invalid":
                row["nik"] = _bad_nik(row["nik"], rng)
            elif kind == "nik_digit":
                row["nik"] = _one_digit(row["nik"], rng)
            elif kind == "typo":
                row["nama"] = _typo(row["nama"], rng)
            elif kind == "swap":
                d, m, y = row["tanggal_lahir"].split("-")
                if d != m and int(d) <= 12:
                    row["tanggal_lahir"] = f"{m}-{d}-{y}"
                else:
                    row["kind"] = "clean"
            new_rows.append(row)
        # People unknown to the register: a first name and a family name from two other
        # residents, a birth date and kelurahan of a third, a well-formed NIK of nobody.
        eligible = con.execute("SELECT count(*) FROM cls WHERE reason IS NULL").fetchone()[0]
        n_unknown = max(1, int(eligible * RATES["unknown"]))
        donors = con.execute(f"SELECT {', '.join(LIST_FIELDS)} FROM base WHERE kind = 'clean' "
                             f"ORDER BY hash(nik || 'unknown{seed}') LIMIT {n_unknown * 3}").fetchall()
        fabricated = []
        for i in range(0, len(donors) - 2, 3):
            a, b, c = (dict(zip(LIST_FIELDS, donors[i + j], strict=True)) for j in range(3))
            # Name and birth date of nobody in particular, listed at a real address.
            first, last = a["nama"].split()[0], b["nama"].split()[-1]
            row = dict(c, nama=f"{first} {last}", no_kk=b["no_kk"][:12] + f"{rng.randrange(10000):04d}",
                       tanggal_lahir=b["tanggal_lahir"], jenis_kelamin=a["jenis_kelamin"], true_nik=None,
                       kind="unknown")
            stem = c["nik"][:6] + a["nik"][6:8] + b["nik"][8:12]
            if not is_valid_nik(stem + "0001"):
                stem = c["nik"][:12]
            row["candidates"] = [stem + f"{rng.randrange(1, 10000):04d}" for _ in range(8)]
            fabricated.append(row)
        # A NIK nobody in the register holds (checked in DuckDB, not in a Python set).
        con.register("cand", pa.table({"nik": pa.array([n for r in fabricated for n in r["candidates"]],
                                                        pa.string())}))
        taken = {r[0] for r in con.execute("SELECT c.nik FROM cand c SEMI JOIN register r ON r.nik = c.nik").fetchall()}
        for row in fabricated:
            free = [n for n in row.pop("candidates") if n not in taken]
            if free:
                row["nik"] = free[0]
                taken.add(free[0])
                new_rows.append(row)
        cols_out = [*LIST_FIELDS, "true_nik", "kind"]
        con.register("edited", pa.table({c: pa.array([r.get(c) for r in new_rows], pa.string()) for c in cols_out}))
        con.execute(f"""CREATE TEMP VIEW rows AS
            SELECT {', '.join(cols_out)} FROM base WHERE kind NOT IN {edit_kinds} AND kind <> 'missing'
            UNION ALL SELECT {', '.join(cols_out)} FROM edited
            UNION ALL SELECT {', '.join(cols_out)} FROM base WHERE kind = 'ganda_same'""")
        # Order like a Sidalih export (kelurahan, then a stable shuffle), number the rows,
        # and give each ~290 voters a TPS.
        con.execute(f"""CREATE TEMP TABLE numbered AS
            SELECT row_number() OVER (ORDER BY kelurahan, hash(coalesce(true_nik, nik) || kind || nik || '{seed}'))
                   AS row, *
            FROM rows""")
        # Formatting noise that must not become a finding.
        con.execute(f"""CREATE TEMP VIEW noisy AS
            SELECT row, no_kk,
                CASE WHEN hash(row || 'n{seed}') % 20 = 0 THEN '  ' || nik || ' ' ELSE nik END AS nik,
                CASE WHEN hash(row || 'c{seed}') % 20 = 0 THEN lower(nama)
                     WHEN hash(row || 'c{seed}') % 20 = 1 THEN replace(nama, 'MUHAMMAD', 'MUHAMAD')
                     ELSE nama END AS nama,
                tempat_lahir,
                CASE WHEN hash(row || 'd{seed}') % 10 = 0 AND kind <> 'swap'
                     THEN strftime(strptime(tanggal_lahir, '%d-%m-%Y'), '%Y-%m-%d') ELSE tanggal_lahir END
                     AS tanggal_lahir,
                status_perkawinan, jenis_kelamin, alamat,
                CASE WHEN hash(row || 'r{seed}') % 4 = 0 THEN ltrim(rt, '0') ELSE rt END AS rt, rw,
                disabilitas, status_ktp_el, keterangan, kelurahan,
                lpad(((row_number() OVER (PARTITION BY kelurahan ORDER BY row)) // 290 + 1)::VARCHAR, 3, '0') AS tps
            FROM numbered""")
        con.execute(f"COPY (SELECT * EXCLUDE (row) FROM noisy ORDER BY row) TO {dp4._q(out / 'list.csv')} (HEADER)")
        # Truth. A same-NIK duplicate: the later row is the duplicate.
        con.execute(f"""CREATE TEMP TABLE truth AS
            SELECT row, CASE
                    WHEN kind = 'ganda_same' AND row > min(row) OVER (PARTITION BY true_nik, kind) THEN 'ganda'
                    WHEN kind = 'ganda_typo_extra' THEN 'ganda'
                    WHEN kind = 'unknown' THEN 'tidak_dikenal'
                    WHEN kind IN ('meninggal', 'pindah', 'di_bawah_umur', 'tni', 'polri') THEN kind
                    -- A malformed NIK already in the register (DOMAIN.md §1.2) travels into the list.
                    WHEN NOT {nik_valid_sql('true_nik')} THEN 'nik_invalid'
                    WHEN kind IN ('nik_invalid', 'nik_digit', 'typo', 'swap') THEN kind
                END AS category, true_nik AS matched_nik
            FROM numbered""")
        mapping = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in TRUTH_OF.items() if k in
                           ("nik_invalid", "nik_digit", "typo", "swap", "meninggal", "pindah", "di_bawah_umur",
                            "tni", "polri"))
        con.execute(f"""COPY (
            SELECT row, CASE category {mapping} ELSE category END AS category, matched_nik FROM truth
            WHERE category IS NOT NULL
            UNION ALL SELECT NULL, 'belum_terdaftar', true_nik FROM base WHERE kind = 'missing'
            ORDER BY row NULLS LAST, matched_nik) TO {dp4._q(out / 'truth.csv')} (HEADER)""")
        rows = con.execute("SELECT count(*) FROM numbered").fetchone()[0]
        truth = dict(con.execute(f"""SELECT category, count(*) FROM (
            SELECT CASE category {mapping} ELSE category END AS category FROM truth WHERE category IS NOT NULL
            UNION ALL SELECT 'belum_terdaftar' FROM base WHERE kind = 'missing') GROUP BY 1 ORDER BY 1""").fetchall())
    return SynthResult(rows, truth)


def evaluate(findings_csv: Path, truth_csv: Path) -> dict[str, dict[str, float]]:
    """Precision and recall per category. A finding is right when its row (or, for
    belum_terdaftar, the resident) and its category agree with the truth, and its
    matched NIK too wherever the truth names one (except tidak_dikenal)."""
    with dp4.duck_session() as con:
        for name, path in (("f", findings_csv), ("t", truth_csv)):
            con.execute(f"""CREATE TEMP TABLE {name} AS SELECT try_cast("row" AS BIGINT) AS row, category,
                coalesce(CAST(matched_nik AS VARCHAR), '') AS matched_nik
                FROM read_csv({dp4._q(path)}, header = true, all_varchar = true)""")
        # Multisets: the register may hold a NIK twice (two residents, two findings).
        rows = con.execute("""
            WITH tk AS (SELECT category, row, matched_nik, count(*) AS n FROM t GROUP BY ALL),
            fk AS (SELECT category, row, matched_nik, count(*) AS n FROM f GROUP BY ALL),
            -- Equi-joins only (belum_terdaftar has no row: a join on category and row alone
            -- would pair every such truth row with every such finding).
            hit AS (
                SELECT category, sum(n) AS n FROM (
                    SELECT tk.category, least(tk.n, fk.n) AS n FROM tk JOIN fk
                      ON fk.category = tk.category AND coalesce(fk.row, -1) = coalesce(tk.row, -1)
                     AND fk.matched_nik = tk.matched_nik
                    WHERE tk.category <> 'tidak_dikenal' AND tk.matched_nik <> ''
                    UNION ALL
                    SELECT tk.category, least(tk.n, fk.n) FROM tk
                    JOIN (SELECT category, row, sum(n) AS n FROM fk GROUP BY ALL) fk
                      ON fk.category = tk.category AND coalesce(fk.row, -1) = coalesce(tk.row, -1)
                    WHERE tk.category = 'tidak_dikenal' OR tk.matched_nik = '')
                GROUP BY 1),
            nf AS (SELECT category, count(*) AS n FROM f GROUP BY 1),
            nt AS (SELECT category, count(*) AS n FROM t GROUP BY 1)
            SELECT c.category, coalesce(nt.n, 0), coalesce(nf.n, 0), coalesce(hit.n, 0)
            FROM (SELECT category FROM nf UNION SELECT category FROM nt) c
            LEFT JOIN nt USING (category) LEFT JOIN nf USING (category) LEFT JOIN hit USING (category)
            ORDER BY 1""").fetchall()
    report = {}
    for category, n_truth, n_found, n_hit in rows:
        report[category] = {"truth": n_truth, "found": n_found, "correct": n_hit,
                            "precision": n_hit / n_found if n_found else 1.0,
                            "recall": n_hit / n_truth if n_truth else 1.0}
    return report
