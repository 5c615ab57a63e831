"""Reading a KPU voter list (DPS/DPSHP/DPT) in Model A layout, tolerantly.

Real lists come from Sidalih exports, spreadsheets and hand edits: dates as
dd-mm-yyyy or yyyy-mm-dd (or with slashes), any letter case, stray spaces, 15- or
17-digit NIKs, empty fields, codes or names for the kelurahan. Every data row is kept
and numbered (1-based, as KPU counts rows); a row that cannot be used is reported with
its number and the reason, and a row with a usable but odd field (a date that does not
exist) is reported too, never dropped silently.

The file is parsed by Arrow's CSV reader (C++, one pass) and normalised in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

LIST_COLUMNS = ("no_kk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_perkawinan", "jenis_kelamin",
                "alamat", "rt", "rw", "disabilitas", "status_ktp_el", "keterangan", "kelurahan", "tps")
REQUIRED_COLUMNS = ("nik", "nama", "tanggal_lahir", "kelurahan")


class ListFormatError(ValueError):
    """The file as a whole cannot be read (not CSV, missing columns)."""


@dataclass
class Problem:
    row: int
    field: str
    reason: str
    processed: bool


@dataclass
class Intake:
    table: pa.Table  # raw strings, one column per LIST_COLUMNS entry, plus `row`
    problems: list[Problem] = field(default_factory=list)  # rows that could not be parsed at all
    rows: int = 0


def read_list(path: Path) -> Intake:
    """Parse the CSV into strings. Rows with the wrong number of fields are reported."""
    bad: list[Problem] = []
    header: list[str] = []

    def on_invalid(row) -> str:
        # Line numbers count the header line; data rows are numbered from 1.
        number = (row.number - 1) if row.number is not None else -1
        bad.append(Problem(number, "*", f"jumlah kolom {row.actual_columns}, seharusnya {row.expected_columns}", False))
        return "skip"

    with open(path, "rb") as fh:
        head = fh.readline()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    text = head.decode("utf-8", errors="replace").strip()
    delimiter = ";" if text.count(";") > text.count(",") else ","
    header = [h.strip().strip('"').strip().lower().replace(" ", "_") for h in text.split(delimiter)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ListFormatError(f"kolom wajib tidak ada: {', '.join(missing)} (kolom yang ada: {', '.join(header)})")
    read = pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1, block_size=64 << 20)
    parse = pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid, newlines_in_values=False)
    convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    try:
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if "UTF8" not in str(exc) and "utf8" not in str(exc).lower():
            raise ListFormatError(f"berkas bukan CSV yang dapat dibaca: {exc}") from exc
        # Spreadsheet exports in Windows-1252: transcode (slower, rare).
        read = pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1, encoding="cp1252")
        bad.clear()
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    # Data row numbers of the rows kept: skip over the numbers of the rows reported bad.
    n = table.num_rows
    skipped = np.array(sorted(p.row for p in bad if p.row > 0), dtype=np.int64)
    kept_index = np.arange(n, dtype=np.int64)
    insert_at = skipped - 1 - np.arange(len(skipped))
    row_numbers = kept_index + 1 + np.searchsorted(insert_at, kept_index, side="right")
    columns = {"row": pa.array(row_numbers)}
    for name in LIST_COLUMNS:
        columns[name] = table.column(name) if name in table.column_names else pa.array([""] * n, pa.string())
    return Intake(pa.table(columns), bad, n + len(bad))


def nik_valid_sql(col: str) -> str:
    """DOMAIN.md §1.2 hard rules as SQL: 16 digits, day 01-31 or 41-71 and month 01-12
    forming a real date in 19YY or 20YY, serial not 0000."""
    day = f"TRY_CAST(substr({col}, 7, 2) AS INT)"
    date = f"lpad(({day} % 40)::VARCHAR, 2, '0') || substr({col}, 9, 2) || '{{c}}' || substr({col}, 11, 2)"
    return (f"coalesce(regexp_full_match({col}, '\\d{{16}}') AND substr({col}, 13, 4) <> '0000' "
            f"AND ({day} BETWEEN 1 AND 31 OR {day} BETWEEN 41 AND 71) "
            f"AND (try_strptime({date.format(c='19')}, '%d%m%Y') IS NOT NULL "
            f"OR try_strptime({date.format(c='20')}, '%d%m%Y') IS NOT NULL), false)")


def _kelurahan_lookup(con: duckdb.DuckDBPyConnection, regions: pa.Table | None) -> None:
    if regions is None:
        regions = pa.table({"code": pa.array([], pa.string()), "name": pa.array([], pa.string())})
    con.register("regions_in", regions)
    # Names are unique only within a kota; an ambiguous name resolves to nothing.
    con.execute("""CREATE OR REPLACE TEMP TABLE kel_names AS
        SELECT upper(name) AS name, min(code) AS code FROM regions_in WHERE length(code) = 13
        GROUP BY 1 HAVING count(*) = 1""")


def normalise(con: duckdb.DuckDBPyConnection, intake: Intake, regions: pa.Table | None = None) -> None:
    """Create TEMP TABLE `lst` with normalised fields and TEMP TABLE `problems`."""
    con.register("raw_list", intake.table)
    _kelurahan_lookup(con, regions)
    con.execute(r"""CREATE OR REPLACE TEMP TABLE lst AS
        WITH t AS (
            SELECT row,
                trim(nik) AS nik_given,
                -- Cheap string functions on the common path, regular expressions only
                -- for the rows that need them (a DKI-wide list has millions of rows).
                CASE WHEN contains(nik, ' ') OR contains(nik, '.') OR contains(nik, '-') OR contains(nik, chr(9))
                     THEN regexp_replace(nik, '[\s\.\-]', '', 'g') ELSE nik END AS nik_c,
                CASE WHEN contains(no_kk, ' ') OR contains(no_kk, '.') OR contains(no_kk, '-')
                     THEN regexp_replace(no_kk, '[\s\.\-]', '', 'g') ELSE no_kk END AS no_kk,
                upper(CASE WHEN contains(nama, '  ') OR contains(nama, chr(9))
                           THEN regexp_replace(trim(nama), '\s+', ' ', 'g') ELSE trim(nama) END) AS nama,
                upper(trim(tempat_lahir)) AS tempat_lahir,
                trim(tanggal_lahir) AS tgl,
                upper(trim(jenis_kelamin)) AS jk,
                upper(trim(status_perkawinan)) AS sp,
                upper(CASE WHEN contains(alamat, '  ') THEN regexp_replace(trim(alamat), '\s+', ' ', 'g')
                           ELSE trim(alamat) END) AS alamat,
                coalesce(try_cast(trim(rt) AS INTEGER),
                         try_cast(nullif(regexp_replace(rt, '\D', '', 'g'), '') AS INTEGER)) AS rt,
                coalesce(try_cast(trim(rw) AS INTEGER),
                         try_cast(nullif(regexp_replace(rw, '\D', '', 'g'), '') AS INTEGER)) AS rw,
                trim(kelurahan) AS kel,
                trim(tps) AS tps
            FROM raw_list)
        SELECT t.row, t.nik_given, t.nik_c AS nik, t.no_kk, t.nama, t.tempat_lahir, t.tgl,
            CASE WHEN t.tgl = '' THEN NULL
                 WHEN substr(t.tgl, 3, 1) = '-' THEN try_strptime(t.tgl, '%d-%m-%Y')
                 WHEN substr(t.tgl, 5, 1) = '-' THEN try_strptime(t.tgl, '%Y-%m-%d')
                 ELSE coalesce(try_strptime(t.tgl, '%d-%m-%Y'), try_strptime(t.tgl, '%Y-%m-%d'),
                               try_strptime(t.tgl, '%d/%m/%Y'), try_strptime(t.tgl, '%Y/%m/%d'),
                               try_strptime(t.tgl, '%d.%m.%Y')) END::DATE AS birth_date,
            CASE WHEN t.jk IN ('L', 'LAKI-LAKI', 'LAKI LAKI', 'PRIA', '1') THEN 'L'
                 WHEN t.jk IN ('P', 'PEREMPUAN', 'WANITA', '2') THEN 'P' END AS sex,
            CASE WHEN t.sp IN ('B', 'BELUM KAWIN', 'BELUM_KAWIN') THEN 'B'
                 WHEN t.sp IN ('S', 'K', 'KAWIN', 'SUDAH KAWIN') THEN 'S'
                 WHEN t.sp IN ('P', 'CERAI', 'CERAI HIDUP', 'CERAI MATI', 'PERNAH KAWIN') THEN 'P' END AS marital,
            t.alamat, t.rt, t.rw,
            CASE WHEN length(t.kel) = 13 AND regexp_full_match(t.kel, '\d{2}\.\d{2}\.\d{2}\.\d{4}') THEN t.kel
                 WHEN regexp_full_match(t.kel, '\d{10}') THEN
                      substr(t.kel, 1, 2) || '.' || substr(t.kel, 3, 2) || '.' || substr(t.kel, 5, 2) || '.' || substr(t.kel, 7, 4)
                 ELSE k.code END AS kelurahan_code,
            t.kel AS kelurahan_given, t.tps,
            -- NIK format (DOMAIN.md §1.2 hard rules)
            length(t.nik_c) = 16 AND __NIK_VALID__ AS nik_valid,
            nullif(t.nama, '') IS NULL AND nullif(t.nik_c, '') IS NULL AS unusable
        FROM t LEFT JOIN kel_names k ON k.name = upper(regexp_replace(t.kel, '\s+', ' ', 'g'))""".replace(
        "__NIK_VALID__", nik_valid_sql("t.nik_c")))
    con.unregister("raw_list")  # normalised copy made; the raw strings can go
    problems = [(p.row, p.field, p.reason, p.processed) for p in intake.problems]
    con.execute("CREATE OR REPLACE TEMP TABLE problems (row BIGINT, kolom VARCHAR, alasan VARCHAR, diproses BOOLEAN)")
    if problems:
        con.executemany("INSERT INTO problems VALUES (?, ?, ?, ?)", problems)
    con.execute("""INSERT INTO problems
        SELECT row, '*', 'baris kosong: nik dan nama tidak diisi', false FROM lst WHERE unusable
        UNION ALL
        SELECT row, 'tanggal_lahir', 'tanggal lahir ''' || tgl || ''' tidak terbaca (dd-mm-yyyy atau yyyy-mm-dd)', true
        FROM lst WHERE NOT unusable AND birth_date IS NULL AND tgl <> ''
        UNION ALL
        SELECT row, 'kelurahan', 'kelurahan ''' || kelurahan_given || ''' tidak dikenal', true
        FROM lst WHERE NOT unusable AND kelurahan_code IS NULL AND kelurahan_given <> ''""")
