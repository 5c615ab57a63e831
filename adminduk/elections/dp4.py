"""DP4 extracts in DuckDB: compute, write, fingerprint, identify a leak, diff two extracts.

Pure batch logic with no HTTP and no ORM writes: `elections.actions` calls these and
records the result (rows, manifest, audit). All row work is columnar (DuckDB over the
register read through `analytics.engine`), never row by row.

Fingerprint (decision 0003). Each recipient's copy carries the same people and the same
values; what differs is a keyed choice among equivalent encodings:

* row order inside each kelurahan: sorted by h = md5(key || nik);
* RT written "007" or "7", and RW likewise, by one hex digit of h each;
* the address with or without one trailing space, by another digit of h.

Nobody is added or changed. `identify()` scores a leaked file (CSV or Parquet, whole or
in part) against every copy's key: the true copy agrees on ~100% of rows, any other on
~50% by chance, so a few hundred rows are enough to tell copies apart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from .eligibility import MODEL_A_FIELDS, exclusion_reason_sql, model_a_select

FINGERPRINT_SCHEME = "fp1: row order per kelurahan by md5(key||nik); RT/RW zero padding and trailing space " \
                     "in alamat by hex digits 32, 31, 30 of the same hash"
# DuckDB's own limit; the Arrow inputs come on top (the jobs stay under 8 GB at DKI scale).
DUCK_MEMORY = os.environ.get("ADMINDUK_DUCKDB_MEMORY", "5GB")
BATCH_ROWS = 131_072
DUCK_TEMP_MAX = os.environ.get("ADMINDUK_DUCKDB_TEMP_MAX", "16GB")


@contextlib.contextmanager
def duck_session(**tables: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    # Spill to the system's temporary directory (not the working directory), and never
    # more than DUCK_TEMP_MAX: a runaway join must fail, not fill the disk.
    con = duckdb.connect(config={"threads": os.cpu_count() or 2, "memory_limit": DUCK_MEMORY,
                                 "preserve_insertion_order": True,
                                 "temp_directory": os.path.join(tempfile.gettempdir(), "adminduk-duckdb"),
                                 "max_temp_directory_size": DUCK_TEMP_MAX})
    con.execute("SET enable_progress_bar = false")  # batch jobs print their own progress
    try:
        for name, table in tables.items():
            con.register(name, table)
        yield con
    finally:
        con.close()


def read_register(columns: tuple[str, ...]) -> pa.Table:
    """The register's persons in Arrow, read in id ranges on parallel ADBC connections.

    The read is most of a DP4 job at DKI scale (RECIPES.md: ~1.9 s per million rows on
    one connection); SQLite in WAL mode and PostgreSQL both serve concurrent readers."""
    from adminduk.analytics import engine

    lo, hi = engine.fetch_arrow("SELECT min(id) AS lo, max(id) AS hi FROM registry_person").to_pylist()[0].values()
    if lo is None:
        return engine.persons_table(columns, where="1 = 0")
    n = min(os.cpu_count() or 1, 4) if hi - lo > 500_000 else 1
    step = (hi - lo) // n + 1
    ranges = [(lo + i * step, lo + (i + 1) * step) for i in range(n)]
    with ThreadPoolExecutor(n) as pool:
        parts = list(pool.map(lambda r: engine.persons_table(columns, where=f"p.id >= {r[0]} AND p.id < {r[1]}"),
                              ranges))
    # ADBC hands over ~1,000-row batches, and DuckDB scans thousands of small chunks 3-4x
    # slower (measured at 1 M rows); one single chunk is no good either, as DuckDB scans
    # an Arrow table in parallel by batch. So: combine (column by column, so that the
    # peak is the register once plus one column), then slice into batches of 128k rows
    # (zero copy).
    table = pa.concat_tables(parts, promote_options="default")
    del parts
    combined = {}
    for name in table.column_names:
        combined[name] = table.column(name).combine_chunks()
        table = table.drop_columns([name])
    table = pa.table(combined)
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), schema=table.schema)


def snapshot_register(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """View `register` over a register snapshot in the exchange format (persons.parquet,
    families.parquet, as written by `export-register` at a semester's cut-off date).

    The DP4 is by law the population data of a semester (DOMAIN.md §3.1), so a snapshot
    taken at the cut-off date is its natural source, and DuckDB reads Parquet an order
    of magnitude faster than any database hands over rows. Returns the row count."""
    persons, families = Path(folder) / "persons.parquet", Path(folder) / "families.parquet"
    for path in (persons, families):
        if not path.is_file():
            raise FileNotFoundError(f"{path} tidak ada (snapshot register: persons.parquet dan families.parquet)")
    # Materialised once (in parallel, DuckDB's own format): the extract scans it four times.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE register AS
        SELECT p.nik, p.kk, p.name, p.sex, p.birth_place, p.birth_date, p.marital_status, p.disability,
               p.citizenship, p.occupation, p.status, p.ktp_state, p.kelurahan_code, p.rw, p.rt, f.street
        FROM read_parquet({_q(persons)}) p LEFT JOIN read_parquet({_q(families)}) f ON f.kk = p.kk""")
    return con.execute("SELECT count(*) FROM register").fetchone()[0]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@dataclass
class ExtractResult:
    eligible: int
    eligible_men: int
    eligible_women: int
    excluded: dict[str, int]
    dak2: list[dict]


def compute_extract(con: duckdb.DuckDBPyConnection, polling_day: dt.date, out: Path,
                    kecamatan_names: dict[str, str] | None = None) -> ExtractResult:
    """From a table `register` (eligibility.REGISTER_COLUMNS) write the internal files of
    an extract into `out`: eligible.parquet (Model A, canonical encoding, kelurahan/NIK
    order), exclusions.parquet (nik, no_kk, kelurahan, reason, birth_date,
    marital_status) and dak2.csv. Returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    # A view, not a table: the register stays in Arrow (zero copy) and the CASE is cheap.
    con.execute(f"CREATE OR REPLACE TEMP VIEW classified AS SELECT *, {exclusion_reason_sql(polling_day)} AS reason "
                "FROM register")
    # The eligible rows in Model A, once: the internal file and the first recipient's copy
    # are both written from this table (`write_copy(..., con=con)`). No ORDER BY: every
    # copy has its own keyed order, and the internal file is only ever joined on NIK.
    con.execute(f"CREATE OR REPLACE TEMP TABLE eligible AS SELECT {model_a_select('r')} FROM classified r "
                "WHERE reason IS NULL")
    con.execute(f"COPY eligible TO {_q(out / 'eligible.parquet')} (FORMAT parquet, COMPRESSION snappy)")
    con.execute("COPY (SELECT nik, kk AS no_kk, kelurahan_code AS kelurahan, reason, birth_date, marital_status "
                "FROM classified WHERE reason IS NOT NULL) "
                f"TO {_q(out / 'exclusions.parquet')} (FORMAT parquet, COMPRESSION snappy)")
    excluded = dict(con.execute("SELECT reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY 1 "
                                "ORDER BY 1").fetchall())
    eligible, men, women = con.execute("SELECT count(*), count(*) FILTER (jenis_kelamin = 'L'), "
                                       "count(*) FILTER (jenis_kelamin = 'P') FROM eligible").fetchone()
    # DAK2: aggregate population per kecamatan, for drawing electoral districts.
    rows = con.execute("""
        SELECT left(kelurahan_code, 8) AS kecamatan,
               count(*) FILTER (status = 'hidup') AS penduduk,
               count(*) FILTER (status = 'hidup' AND sex = 'L') AS penduduk_l,
               count(*) FILTER (status = 'hidup' AND sex = 'P') AS penduduk_p,
               count(DISTINCT kk) FILTER (status = 'hidup') AS kk,
               count(*) FILTER (reason IS NULL) AS pemilih,
               count(*) FILTER (reason IS NULL AND sex = 'L') AS pemilih_l,
               count(*) FILTER (reason IS NULL AND sex = 'P') AS pemilih_p
        FROM classified GROUP BY 1 ORDER BY 1""").fetchall()
    names = kecamatan_names or {}
    keys = ("kecamatan", "penduduk", "penduduk_l", "penduduk_p", "kk", "pemilih", "pemilih_l", "pemilih_p")
    dak2 = [{"kecamatan": r[0], "nama": names.get(r[0], ""), **dict(zip(keys[1:], r[1:], strict=True))} for r in rows]
    write_dak2(dak2, out / "dak2.csv")
    con.execute("DROP VIEW classified")
    return ExtractResult(eligible, men, women, excluded, dak2)


def write_dak2(dak2: list[dict], path: Path) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["kecamatan", "nama", "penduduk", "penduduk_l", "penduduk_p", "kk",
                                                "pemilih", "pemilih_l", "pemilih_p"])
        writer.writeheader()
        writer.writerows(dak2)


def _fingerprinted_select(key: str, fields: tuple[str, ...] = MODEL_A_FIELDS) -> str:
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("fingerprint key must be 32 lowercase hex digits")
    exprs = {
        "rt": "CASE WHEN substr(h, 32, 1) < '8' THEN ltrim(rt, '0') ELSE rt END",
        "rw": "CASE WHEN substr(h, 31, 1) < '8' THEN ltrim(rw, '0') ELSE rw END",
        "alamat": "CASE WHEN substr(h, 30, 1) < '8' THEN alamat || ' ' ELSE alamat END",
    }
    select = ", ".join(f"{exprs[f]} AS {f}" if f in exprs else f for f in fields)
    # The hash once per row (DuckDB does not share it between expressions by itself).
    return (f"SELECT {select} FROM (SELECT *, md5('{key}' || nik) AS h FROM eligible) "
            "ORDER BY kelurahan, h")


def write_copy(extract_dir: Path, out: Path, key: str, *, fields: tuple[str, ...] = MODEL_A_FIELDS,
               con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """Write a recipient's fingerprinted copy (model_a.csv, model_a.parquet, dak2.csv) of
    the extract in `extract_dir` into `out` (from `con`'s table `eligible` when given, as
    right after `compute_extract`). Files appear only when complete (written to a
    temporary directory beside `out`, then moved). Returns {file: {sha256, rows}}."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dp4-", dir=out))
    try:
        with contextlib.ExitStack() as stack:
            if con is None:
                con = stack.enter_context(duck_session())
                con.execute(f"CREATE VIEW eligible AS SELECT * FROM read_parquet({_q(extract_dir / 'eligible.parquet')})")
            con.execute(f"CREATE OR REPLACE TEMP TABLE copy AS {_fingerprinted_select(key, fields)}")
            con.execute(f"COPY copy TO {_q(tmp / 'model_a.csv')} (HEADER, DELIMITER ',', QUOTE '\"')")
            con.execute(f"COPY copy TO {_q(tmp / 'model_a.parquet')} (FORMAT parquet, COMPRESSION snappy)")
            rows = con.execute("SELECT count(*) FROM copy").fetchone()[0]
            con.execute("DROP TABLE copy")
        shutil.copyfile(extract_dir / "dak2.csv", tmp / "dak2.csv")
        names = ("model_a.csv", "model_a.parquet", "dak2.csv")
        for name in names:
            os.replace(tmp / name, out / name)
        # hashlib releases the GIL on large updates: the files are hashed in parallel.
        with ThreadPoolExecutor(len(names)) as pool:
            digests = list(pool.map(lambda name: sha256_file(out / name), names))
        return {name: {"sha256": digest, "rows": rows if name.startswith("model_a") else None}
                for name, digest in zip(names, digests, strict=True)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_manifest(out: Path, manifest: dict) -> None:
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")


# --- Identifying a leaked copy ----------------------------------------------------------

@dataclass
class Match:
    copy_id: int
    score: float
    channels: dict[str, float]
    rows: int


def _leak_relation(con: duckdb.DuckDBPyConnection, path: Path, sample: int) -> None:
    if path.suffix == ".parquet":
        src = f"read_parquet({_q(path)})"
    else:
        # Everything as text, nothing trimmed: the whitespace is part of the evidence.
        src = f"read_csv({_q(path)}, all_varchar = true, header = true, strict_mode = false)"
    con.execute(f"CREATE TEMP TABLE leak AS SELECT row_number() OVER () AS i, * FROM {src} LIMIT {int(sample)}")


def identify(path: Path, candidates: dict[int, str], sample: int = 200_000) -> list[Match]:
    """Score a leaked file against candidate copies {copy_id: key}; best first.

    Channels: share of adjacent rows (same kelurahan) in keyed order; share of rows whose
    RT / RW padding and address trailing space agree with the key. A copy is identified
    when its score is near 1 and the runner-up's near 0.5 (see `verdict`)."""
    with duck_session() as con:
        _leak_relation(con, Path(path), sample)
        cols = {r[0] for r in con.execute("DESCRIBE leak").fetchall()}
        if "nik" not in cols:
            raise ValueError("berkas tidak memiliki kolom 'nik'; tidak dapat ditelusuri")
        con.execute("CREATE TEMP TABLE keys (copy_id BIGINT, k VARCHAR)")
        con.executemany("INSERT INTO keys VALUES (?, ?)", list(candidates.items()))
        con.execute("""CREATE TEMP TABLE scored AS
            SELECT k.copy_id, l.*, md5(k.k || trim(l.nik)) AS h FROM leak l CROSS JOIN keys k""")
        checks = []
        if "rt" in cols:
            checks.append(("rt", "length(rt) < 3 OR starts_with(rt, '0')",
                           "(substr(h, 32, 1) < '8') = (length(rt) < 3)"))
        if "rw" in cols:
            checks.append(("rw", "length(rw) < 3 OR starts_with(rw, '0')",
                           "(substr(h, 31, 1) < '8') = (length(rw) < 3)"))
        if "alamat" in cols:
            checks.append(("alamat", "alamat IS NOT NULL",
                           "(substr(h, 30, 1) < '8') = ends_with(alamat, ' ')"))
        results: dict[int, dict[str, tuple[float, int]]] = {c: {} for c in candidates}
        for name, usable, agree in checks:
            for copy_id, share, n in con.execute(
                    f"SELECT copy_id, avg(({agree})::INT), count(*) FROM scored WHERE {usable} GROUP BY 1").fetchall():
                results[copy_id][name] = (share, n)
        group = "kelurahan" if "kelurahan" in cols else "1"
        for copy_id, share, n in con.execute(f"""
                SELECT copy_id, avg((h < nxt)::INT), count(*) FROM (
                    SELECT copy_id, h, lead(h) OVER (PARTITION BY copy_id, {group} ORDER BY i) AS nxt FROM scored)
                WHERE nxt IS NOT NULL GROUP BY 1""").fetchall():
            results[copy_id]["order"] = (share, n)
        total = con.execute("SELECT count(*) FROM leak").fetchone()[0]
    matches = []
    for copy_id, channels in results.items():
        weight = sum(n for _, n in channels.values())
        score = sum(s * n for s, n in channels.values()) / weight if weight else 0.0
        matches.append(Match(copy_id, score, {k: round(s, 4) for k, (s, _) in channels.items()}, total))
    return sorted(matches, key=lambda m: -m.score)


def verdict(matches: list[Match]) -> Match | None:
    """The identified copy, or None when the evidence is not clear."""
    if not matches or matches[0].rows < 20:
        return None
    best, runner = matches[0], (matches[1].score if len(matches) > 1 else 0.5)
    return best if best.score >= 0.9 and runner <= 0.75 else None


# --- Diff between two extracts ------------------------------------------------------------

DIFF_FIELDS = ("no_kk", "nama", "tempat_lahir", "tanggal_lahir", "status_perkawinan", "jenis_kelamin", "alamat", "rt",
               "rw", "kelurahan", "disabilitas", "status_ktp_el")


def diff_extracts(old_dir: Path, new_dir: Path, out_csv: Path) -> dict[str, int]:
    """Who came in, who left and why, and whose data changed, between two extracts.

    Came in: `berusia_17` (was under age, now 17 by polling day), `menikah` (was under
    age, now married), `berhenti_tni_polri`, `pendatang` (not in the old register: moved
    in or newly registered), `lainnya`. Left: the new extract's exclusion reason
    (`meninggal`, `pindah`, `tni`, ...), or `tidak_ada` if gone from the register.
    Changed: `data_berubah` with the fields that differ. Writes nik, perubahan, alasan,
    kolom, kelurahan to `out_csv`; returns counts per (perubahan, alasan)."""
    changed_expr = " || ".join(
        f"CASE WHEN o.{f} IS DISTINCT FROM n.{f} THEN '{f};' ELSE '' END" for f in DIFF_FIELDS)
    with duck_session() as con:
        for tag, d in (("old", old_dir), ("new", new_dir)):
            con.execute(f"CREATE VIEW {tag}_e AS SELECT * FROM read_parquet({_q(d / 'eligible.parquet')})")
            con.execute(f"CREATE VIEW {tag}_x AS SELECT * FROM read_parquet({_q(d / 'exclusions.parquet')})")
        con.execute(f"""CREATE TEMP TABLE diff AS
            SELECT n.nik, 'masuk' AS perubahan,
                   CASE WHEN x.reason = 'di_bawah_umur' AND n.status_perkawinan <> 'B' THEN 'menikah'
                        WHEN x.reason = 'di_bawah_umur' THEN 'berusia_17'
                        WHEN x.reason IN ('tni', 'polri') THEN 'berhenti_tni_polri'
                        WHEN x.reason IS NULL THEN 'pendatang'
                        ELSE 'lainnya' END AS alasan, '' AS kolom, n.kelurahan
            FROM new_e n ANTI JOIN old_e o ON o.nik = n.nik LEFT JOIN old_x x ON x.nik = n.nik
            UNION ALL
            SELECT o.nik, 'keluar', coalesce(x.reason, 'tidak_ada'), '', o.kelurahan
            FROM old_e o ANTI JOIN new_e n ON n.nik = o.nik LEFT JOIN new_x x ON x.nik = o.nik
            UNION ALL
            SELECT * FROM (
                SELECT n.nik, 'berubah', 'data_berubah', rtrim({changed_expr}, ';') AS kolom, n.kelurahan
                FROM new_e n JOIN old_e o ON o.nik = n.nik) WHERE kolom <> ''""")
        con.execute(f"COPY (SELECT * FROM diff ORDER BY perubahan, alasan, kelurahan, nik) TO {_q(out_csv)} (HEADER)")
        counts = {f"{a}:{b}": n for a, b, n in
                  con.execute("SELECT perubahan, alasan, count(*) FROM diff GROUP BY 1, 2 ORDER BY 1, 2").fetchall()}
    return counts


def exclusion_of(extract_dir: Path, nik: str) -> dict | None:
    """Why one person is not in an extract (None if they are in it or unknown)."""
    with duck_session() as con:
        row = con.execute(f"SELECT nik, no_kk, kelurahan, reason FROM read_parquet({_q(extract_dir / 'exclusions.parquet')}) "
                          "WHERE nik = ?", [nik]).fetchone()
    return dict(zip(("nik", "no_kk", "kelurahan", "reason"), row, strict=True)) if row else None


def is_in_extract(extract_dir: Path, nik: str) -> bool:
    with duck_session() as con:
        return bool(con.execute(f"SELECT count(*) FROM read_parquet({_q(extract_dir / 'eligible.parquet')}) "
                                "WHERE nik = ?", [nik]).fetchone()[0])
