"""Reconciling a KPU voter list with the register (decision 0003).

1. Exact NIK join in DuckDB, and every exact match verified on name and birth date:
   NIKs are dense and carry no check digit, so a mistyped digit often lands on another
   real person (RECIPES.md: 7-18 % of one-digit errors).
2. Probabilistic linkage (Fellegi-Sunter, Splink on DuckDB) only for the residue: rows
   whose NIK is malformed, unknown or failed verification. The register side is first cut
   down to the blocks the residue touches. Blocking: birth date + kelurahan, birth date +
   first name, kelurahan + name key, KK number, swapped day/month + kelurahan, NIK stem.
   Names are compared on `registry.names.name_key`, which folds Indonesian variants. The
   NIK itself is never compared fuzzily.
3. Classification of each row into one category (first that applies): ganda (a second
   row for the same person), meninggal, pindah_domisili, tni, polri, di_bawah_umur,
   nik_invalid, data_berbeda; unlinked rows are tidak_dikenal (nik_invalid if the NIK
   is malformed); eligible residents of the kelurahan the list covers whom no row links
   to are belum_terdaftar.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from adminduk.registry.names import name_key

from . import dp4, intake
from .eligibility import RECONCILE_COLUMNS, exclusion_reason_sql

# Splink's m and u probabilities, set by hand from how KPU lists and the register
# disagree (and checked on the synthetic evaluation, docs/PERFORMANCE.md) rather than
# trained per run: the residue is small and skewed, EM on it is unstable and slow.
MATCH_THRESHOLD = 0.9
MAX_RESIDUE_ROWS = 50_000
MAX_RESIDUE_SHARE = 0.2
PRIOR = 1e-6


def _level(sql: str, m: float, u: float, label: str) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}


def _null(col: str) -> dict:
    return {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "label_for_charts": "null", "is_null_level": True}


SPLINK_SETTINGS = {
    "link_type": "link_only",
    "unique_id_column_name": "uid",
    "probability_two_random_records_match": PRIOR,
    "retain_intermediate_calculation_columns": False,
    "retain_matching_columns": False,
    "blocking_rules_to_generate_predictions": [
        {"blocking_rule": "l.birth_date = r.birth_date AND l.kelurahan_code = r.kelurahan_code"},
        {"blocking_rule": "l.birth_date = r.birth_date AND l.name_first = r.name_first"},
        {"blocking_rule": "l.kelurahan_code = r.kelurahan_code AND l.name_key = r.name_key"},
        {"blocking_rule": "l.kk = r.kk"},
        {"blocking_rule": "l.birth_swapped = r.birth_date AND l.kelurahan_code = r.kelurahan_code"},
        {"blocking_rule": "l.nik12 = r.nik12"},
    ],
    "comparisons": [
        {"output_column_name": "name_key", "comparison_levels": [
            _null("name_key"),
            _level("name_key_l = name_key_r", 0.86, 0.0005, "sama"),
            _level("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.92", 0.12, 0.002, "JW>=0.92"),
            _level("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.80", 0.015, 0.03, "JW>=0.80"),
            _level("ELSE", 0.005, 0.9675, "lain"),
        ]},
        {"output_column_name": "birth_date", "comparison_levels": [
            _null("birth_date"),
            _level("birth_date_l = birth_date_r", 0.88, 0.0001, "sama"),
            _level("birth_swapped_l = birth_date_r", 0.05, 0.0001, "tanggal/bulan tertukar"),
            _level("damerau_levenshtein(CAST(birth_date_l AS VARCHAR), CAST(birth_date_r AS VARCHAR)) <= 1",
                   0.05, 0.002, "satu digit"),
            _level("year(birth_date_l) = year(birth_date_r)", 0.01, 0.013, "tahun sama"),
            _level("ELSE", 0.01, 0.9849, "lain"),
        ]},
        {"output_column_name": "kelurahan_code", "comparison_levels": [
            _null("kelurahan_code"),
            _level("kelurahan_code_l = kelurahan_code_r", 0.9, 0.004, "sama"),
            _level("left(kelurahan_code_l, 8) = left(kelurahan_code_r, 8)", 0.05, 0.02, "kecamatan sama"),
            _level("ELSE", 0.05, 0.976, "lain"),
        ]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"),
            _level("sex_l = sex_r", 0.98, 0.5, "sama"),
            _level("ELSE", 0.02, 0.5, "lain"),
        ]},
        {"output_column_name": "kk", "comparison_levels": [
            _null("kk"),
            # Conditionally dependent on the address: weight kept modest on purpose.
            _level("kk_l = kk_r", 0.8, 0.001, "sama"),
            _level("ELSE", 0.2, 0.999, "lain"),
        ]},
        {"output_column_name": "rt_rw", "comparison_levels": [
            _null("rt_rw"),
            _level("rt_rw_l = rt_rw_r", 0.85, 0.05, "sama"),
            _level("ELSE", 0.15, 0.95, "lain"),
        ]},
    ],
}

CATEGORIES = ("meninggal", "ganda", "di_bawah_umur", "pindah_domisili", "tidak_dikenal", "tni", "polri",
              "nik_invalid", "data_berbeda", "belum_terdaftar")


@dataclass
class Result:
    rows: int
    unreadable: int
    matched: int
    counts: dict[str, int]
    per_kelurahan: dict[tuple[str, str], int] = field(default_factory=dict)


def _register_table() -> pa.Table:
    return dp4.read_register(RECONCILE_COLUMNS)


def _regions_table() -> pa.Table | None:
    from adminduk.analytics import engine

    return engine.regions_table()


class _Clock:
    def __init__(self, progress):
        self.progress, self.started = progress, time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.progress:
            self.progress(f"[{time.perf_counter() - self.started:7.1f} s] {message}")


def reconcile_file(polling_day: dt.date, list_path: Path, out: Path, *, register: pa.Table | None = None,
                   regions: pa.Table | None = None, progress=None) -> Result:
    """Reconcile the list at `list_path`; write findings.csv, findings.parquet,
    summary_kategori.csv, summary_kelurahan.csv and unreadable.csv into `out`."""
    clock = _Clock(progress)
    out.mkdir(parents=True, exist_ok=True)
    # One Arrow input at a time: the list is parsed and normalised into DuckDB and let
    # go before the register is read (each is GBs at DKI scale).
    parsed = intake.read_list(list_path)
    clock(f"daftar dibaca: {parsed.rows:,} baris")
    regions = _regions_table() if regions is None else regions
    with dp4.duck_session() as con:
        intake.normalise(con, parsed, regions)
        del parsed
        clock("daftar dinormalkan")
        register = _register_table() if register is None else register
        clock(f"register dibaca: {register.num_rows:,} penduduk")
        con.register("register_in", register)
        prepare_register(con, polling_day)
        con.unregister("register_in")
        del register
        clock("register disiapkan")
        result = reconcile(con, clock)
        write_outputs(con, out)
        clock("berkas hasil ditulis")
    return result


def _name_keys(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Table `keys(nama, name_key)` for the distinct names the query returns (Python:
    the same function that built the register's name keys)."""
    names = [r[0] for r in con.execute(sql).fetchall()]
    con.register("keys_in", pa.table({"nama": pa.array(names, pa.string()),
                                      "name_key": pa.array([name_key(n) for n in names], pa.string())}))
    con.execute("CREATE OR REPLACE TEMP TABLE keys AS SELECT * FROM keys_in")
    con.unregister("keys_in")


def prepare_register(con: duckdb.DuckDBPyConnection, polling_day: dt.date) -> None:
    """TEMP TABLE `reg` from `register_in` (RECONCILE_COLUMNS), with the DP4 exclusion reason."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE reg AS
        SELECT id, nik, kk, upper(CASE WHEN contains(name, '  ') THEN regexp_replace(trim(name), '\\s+', ' ', 'g')
                                  ELSE trim(name) END) AS nama, name_key, sex, birth_date,
               status, occupation, citizenship, marital_status, kelurahan_code,
               try_cast(rt AS INTEGER) AS rt, try_cast(rw AS INTEGER) AS rw,
               {exclusion_reason_sql(polling_day)} AS reason
        FROM register_in""")


def reconcile(con: duckdb.DuckDBPyConnection, clock=lambda message: None) -> Result:
    """On tables `reg` (prepare_register) and `lst` (intake.normalise): link and classify.
    Leaves TEMP TABLE `findings`."""
    # 1. Exact NIK, verified. The register may hold a NIK twice (DOMAIN.md §1.2): keep the
    # holder whose name agrees best.
    con.execute("""CREATE OR REPLACE TEMP TABLE exact AS
        SELECT l.row, arg_max(r.id, (r.nama = l.nama)::BIGINT * 4611686018427387904 - r.id) AS id,
               bool_or(r.nama = l.nama) AS same_text
        FROM lst l JOIN reg r ON r.nik = l.nik
        WHERE l.nik_valid
        GROUP BY l.row""")
    _name_keys(con, "SELECT DISTINCT l.nama FROM exact e JOIN lst l USING (row) WHERE NOT e.same_text")
    con.execute("""CREATE OR REPLACE TEMP TABLE exact AS
        SELECT e.row, e.id,
            -- CASE, not OR: only the few rows that disagree pay for the string distances.
            CASE WHEN e.same_text OR k.name_key = r.name_key THEN true
                 ELSE jaro_winkler_similarity(k.name_key, r.name_key) >= 0.88
                      OR (l.no_kk = r.kk AND jaro_winkler_similarity(k.name_key, r.name_key) >= 0.75) END AS name_ok,
            CASE WHEN l.birth_date IS NULL OR l.birth_date = r.birth_date OR l.no_kk = r.kk THEN true
                 ELSE (day(l.birth_date) = month(r.birth_date) AND month(l.birth_date) = day(r.birth_date)
                       AND year(l.birth_date) = year(r.birth_date))
                      OR damerau_levenshtein(CAST(l.birth_date AS VARCHAR), CAST(r.birth_date AS VARCHAR)) <= 1
                 END AS date_ok,
            coalesce(k.name_key, r.name_key) AS list_key
        FROM exact e JOIN lst l USING (row) JOIN reg r ON r.id = e.id LEFT JOIN keys k ON k.nama = l.nama""")
    con.execute("""CREATE OR REPLACE TEMP TABLE links AS
        SELECT row, id, 1.0::DOUBLE AS score, true AS by_nik, list_key FROM exact WHERE name_ok AND date_ok""")
    clock("NIK persis dicocokkan dan diverifikasi")
    # 2. Linkage for the residue.
    con.execute("""CREATE OR REPLACE TEMP TABLE residue AS
        SELECT l.* FROM lst l ANTI JOIN links k USING (row) WHERE NOT l.unusable""")
    n_residue = con.execute("SELECT count(*) FROM residue").fetchone()[0]
    n_rows = con.execute("SELECT count(*) FROM lst").fetchone()[0]
    if n_residue > max(MAX_RESIDUE_ROWS, MAX_RESIDUE_SHARE * n_rows):
        # Linkage is for the few rows whose NIK fails; a list where most NIKs fail is not
        # a list of this register (another province, a stale register, a shifted column).
        raise ValueError(f"{n_residue:,} dari {n_rows:,} baris tidak cocok NIK-nya dengan register; daftar ini "
                         "tampaknya tidak berasal dari register ini (periksa kolom nik dan wilayahnya)")
    if n_residue:
        _link_residue(con)
    clock(f"Splink: {n_residue:,} baris sisa ditautkan")
    con.execute("""CREATE OR REPLACE TEMP TABLE links AS
        SELECT row, id, score, by_nik, list_key FROM links
        UNION ALL SELECT row, id, score, false, list_key FROM fuzzy_links""" if n_residue else
                "CREATE OR REPLACE TEMP TABLE links AS SELECT * FROM links")
    # 3. Classify. The first row for a person (verified NIK first, then score, then row
    # number) is the person's row; any further row for the same person is `ganda`.
    # Ranked only where a person has more than one row (a window over millions of
    # single rows would be a sort for nothing).
    con.execute("""CREATE OR REPLACE TEMP TABLE ranked AS
        SELECT row, row_number() OVER (PARTITION BY id ORDER BY by_nik DESC, score DESC, row) AS nth
        FROM links WHERE id IN (SELECT id FROM links GROUP BY id HAVING count(*) > 1)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE findings AS
        WITH linked AS (
            SELECT l.row, l.nik_given AS nik, r.nik AS matched_nik, k.score, l.nama,
                coalesce(r.kelurahan_code, l.kelurahan_code) AS kelurahan,
                concat_ws(';',
                    CASE WHEN l.nik <> r.nik THEN 'nik' END,
                    CASE WHEN k.list_key <> r.name_key THEN 'nama' END,
                    CASE WHEN l.birth_date IS DISTINCT FROM r.birth_date THEN 'tanggal_lahir' END,
                    CASE WHEN l.kelurahan_code IS DISTINCT FROM r.kelurahan_code THEN 'kelurahan' END,
                    CASE WHEN l.rt IS DISTINCT FROM r.rt OR l.rw IS DISTINCT FROM r.rw THEN 'rt_rw' END) AS differs,
                CASE
                    WHEN coalesce(d.nth, 1) > 1 THEN 'ganda'
                    WHEN r.status = 'meninggal' THEN 'meninggal'
                    WHEN r.status = 'pindah' THEN 'pindah_domisili'
                    WHEN r.status <> 'hidup' OR r.citizenship <> 'wni' THEN 'tidak_dikenal'
                    WHEN r.occupation = 'tni' THEN 'tni'
                    WHEN r.occupation = 'polri' THEN 'polri'
                    WHEN r.reason = 'di_bawah_umur' THEN 'di_bawah_umur'
                    WHEN NOT l.nik_valid THEN 'nik_invalid'
                END AS category
            FROM links k LEFT JOIN ranked d USING (row) JOIN lst l USING (row) JOIN reg r ON r.id = k.id)
        SELECT row, nik, coalesce(category, 'data_berbeda') AS category, matched_nik, round(score, 4) AS score,
               nama, kelurahan, differs AS detail
        FROM linked WHERE category IS NOT NULL OR differs <> ''
        UNION ALL
        SELECT l.row, l.nik_given, CASE WHEN l.nik_valid THEN 'tidak_dikenal' ELSE 'nik_invalid' END, NULL,
               NULL, l.nama, l.kelurahan_code, ''
        FROM lst l ANTI JOIN links k USING (row) WHERE NOT l.unusable
        UNION ALL
        SELECT NULL, '', 'belum_terdaftar', r.nik, NULL, r.nama, r.kelurahan_code, ''
        FROM reg r ANTI JOIN links k ON k.id = r.id
        WHERE r.reason IS NULL AND r.kelurahan_code IN (SELECT DISTINCT kelurahan_code FROM lst)""")
    clock("temuan diklasifikasi")
    rows = con.execute("SELECT count(*) FROM lst").fetchone()[0] + con.execute(
        "SELECT count(*) FROM problems WHERE NOT diproses AND kolom = '*' AND alasan LIKE 'jumlah kolom%'").fetchone()[0]
    unreadable = con.execute("SELECT count(DISTINCT row) FROM problems WHERE NOT diproses").fetchone()[0]
    matched = con.execute("SELECT count(*) FROM links").fetchone()[0]
    counts = dict.fromkeys(CATEGORIES, 0)
    counts.update(dict(con.execute("SELECT category, count(*) FROM findings GROUP BY 1").fetchall()))
    per_kelurahan = {(k or "", c): n for k, c, n in
                     con.execute("SELECT kelurahan, category, count(*) FROM findings GROUP BY 1, 2").fetchall()}
    return Result(rows, unreadable, matched, counts, per_kelurahan)


def _link_residue(con: duckdb.DuckDBPyConnection) -> None:
    """Splink on the residue against the part of the register its blocks touch.
    Leaves TEMP TABLE fuzzy_links(row, id, score, list_key)."""
    from splink import DuckDBAPI, Linker

    _name_keys(con, "SELECT DISTINCT nama FROM residue")
    con.execute("""CREATE OR REPLACE TEMP TABLE left_side AS
        SELECT l.row AS uid, k.name_key, split_part(k.name_key, ' ', 1) AS name_first, l.birth_date,
            try_strptime(strftime(l.birth_date, '%m-%d-%Y'), '%d-%m-%Y')::DATE AS birth_swapped,
            l.kelurahan_code, l.sex, nullif(l.no_kk, '') AS kk,
            CASE WHEN l.rt IS NOT NULL AND l.rw IS NOT NULL THEN l.rt || '/' || l.rw END AS rt_rw,
            CASE WHEN length(l.nik) >= 12 THEN left(l.nik, 12) END AS nik12
        FROM residue l LEFT JOIN keys k ON k.nama = l.nama""")
    # Cut the register down to the blocks the residue touches (11 million rows -> a few
    # hundred thousand), so Splink never sees the whole register.
    con.execute("""CREATE OR REPLACE TEMP TABLE right_side AS
        WITH r AS (SELECT id AS uid, name_key, split_part(name_key, ' ', 1) AS name_first, birth_date,
                          NULL::DATE AS birth_swapped, kelurahan_code, sex, kk, rt || '/' || rw AS rt_rw,
                          left(nik, 12) AS nik12 FROM reg)
        SELECT * FROM r WHERE uid IN (
            SELECT r.uid FROM r SEMI JOIN left_side l ON l.birth_date = r.birth_date AND l.kelurahan_code = r.kelurahan_code
            UNION SELECT r.uid FROM r SEMI JOIN left_side l ON l.birth_date = r.birth_date AND l.name_first = r.name_first
            UNION SELECT r.uid FROM r SEMI JOIN left_side l ON l.kelurahan_code = r.kelurahan_code AND l.name_key = r.name_key
            UNION SELECT r.uid FROM r SEMI JOIN left_side l ON l.kk = r.kk
            UNION SELECT r.uid FROM r SEMI JOIN left_side l ON l.birth_swapped = r.birth_date AND l.kelurahan_code = r.kelurahan_code
            UNION SELECT r.uid FROM r SEMI JOIN left_side l ON l.nik12 = r.nik12)""")
    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(connection=con)
    left = db_api.register("left_side", dataset_display_name="daftar_kpu")
    right = db_api.register("right_side", dataset_display_name="register")
    linker = Linker([left, right], SPLINK_SETTINGS, log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_probability=MATCH_THRESHOLD * 0.5, warning_mode="never")
    table = predictions.physical_name
    # Splink orders the two datasets itself: find which side is the list.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE fuzzy_links AS
        WITH p AS (
            SELECT CASE WHEN source_dataset_l = 'daftar_kpu' THEN uid_l ELSE uid_r END AS row,
                   CASE WHEN source_dataset_l = 'daftar_kpu' THEN uid_r ELSE uid_l END AS id,
                   match_probability AS score FROM {table})
        SELECT p.row, p.id, p.score, l.name_key AS list_key FROM p JOIN left_side l ON l.uid = p.row
        WHERE p.score >= {MATCH_THRESHOLD}
        -- On a tie (a resident registered twice: the same person under two NIKs), prefer
        -- the record no verified row has claimed yet.
        QUALIFY row_number() OVER (PARTITION BY p.row ORDER BY p.score DESC, p.id IN (SELECT id FROM links), p.id) = 1""")
    predictions.drop_table_from_database_and_remove_from_cache()


def write_outputs(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    q = dp4._q
    con.execute(f"""COPY (SELECT row, nik, category, matched_nik, score FROM findings
        ORDER BY row NULLS LAST, category, matched_nik) TO {q(out / 'findings.csv')} (HEADER)""")
    con.execute(f"""COPY (SELECT * FROM findings ORDER BY kelurahan, category, row NULLS LAST, matched_nik)
        TO {q(out / 'findings.parquet')} (FORMAT parquet, COMPRESSION zstd)""")
    con.execute(f"""COPY (SELECT category AS kategori, count(*) AS jumlah FROM findings GROUP BY 1 ORDER BY 1)
        TO {q(out / 'summary_kategori.csv')} (HEADER)""")
    con.execute(f"""COPY (SELECT kelurahan, category AS kategori, count(*) AS jumlah FROM findings GROUP BY 1, 2
        ORDER BY 1, 2) TO {q(out / 'summary_kelurahan.csv')} (HEADER)""")
    con.execute(f"COPY (SELECT * FROM problems ORDER BY row) TO {q(out / 'unreadable.csv')} (HEADER)")
