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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .eligibility import (
    EXCLUSION_REASONS,
    EXTRACT_COLUMNS,
    MODEL_A_FIELDS,
    exclusion_reason_sql,
    model_a_select,
)

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
    return _in_batches(table)


def _in_batches(table: pa.Table) -> pa.Table:
    """`table` in batches of BATCH_ROWS (see `read_register`), combined column by column."""
    combined = {}
    for name in table.column_names:
        combined[name] = table.column(name).combine_chunks()
        table = table.drop_columns([name])
    table = pa.table(combined)
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), schema=table.schema)


def snapshot_register(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Views `register` (eligibility.EXTRACT_COLUMNS of every person) and `addresses`
    (kk, street of every family) over a register snapshot in the exchange format
    (persons.parquet, families.parquet, as written by `export-register` at a
    semester's cut-off date), for `compute_extract`.

    The DP4 is by law the population data of a semester (DOMAIN.md §3.1), so a snapshot
    taken at the cut-off date is its natural source, and DuckDB reads Parquet an order
    of magnitude faster than any database hands over rows. Returns the persons count."""
    persons, families = Path(folder) / "persons.parquet", Path(folder) / "families.parquet"
    for path in (persons, families):
        if not path.is_file():
            raise FileNotFoundError(f"{path} tidak ada (snapshot register: persons.parquet dan families.parquet)")
    for path, needed in ((persons, EXTRACT_COLUMNS), (families, ("kk", "street"))):
        missing = [c for c in needed if c not in pq.read_schema(path).names]
        if missing:  # e.g. an export made with --fields
            raise ValueError(f"{path.name} tidak memuat kolom {', '.join(missing)} yang diperlukan DP4")
    # Views, not tables: the extract scans the persons twice (eligible rows, excluded
    # rows), each time reading only the columns it needs.
    con.execute(f"""CREATE OR REPLACE TEMP VIEW register AS
        SELECT {", ".join(EXTRACT_COLUMNS)} FROM read_parquet({_q(persons)})""")
    con.execute(f"CREATE OR REPLACE TEMP VIEW addresses AS SELECT kk, street FROM read_parquet({_q(families)})")
    return con.execute(f"SELECT count(*) FROM read_parquet({_q(persons)})").fetchone()[0]  # from the footer


def database_register(con: duckdb.DuckDBPyConnection) -> int:
    """`register` and `addresses` (as `snapshot_register`) over the operational
    database: the persons and the families read side by side, joined in DuckDB.

    Reading each person's own columns and joining the family's (KK, kelurahan, RT,
    RW) on the family id in DuckDB, rather than joining in the database, hands over
    far fewer values: 21.7 -> 14.9 s wall, 36 -> 25 CPU-s for the DKI register read
    from SQLite (measured). Returns the persons count."""
    from adminduk.analytics import engine

    person_columns = ("family_id", *(c for c in EXTRACT_COLUMNS if engine.PERSON_COLUMNS[c].startswith("p.")))
    family_columns = ("id", "kk", "kelurahan_code", "rw", "rt", "street")
    with ThreadPoolExecutor(1) as pool:
        families = pool.submit(engine.families_table, family_columns)
        persons = read_register(person_columns)
        families = families.result()
    families = _in_batches(families)  # ADBC's ~1,000-row batches, as for the persons
    con.register("register_persons", persons)
    con.register("register_families", families)
    fam = {c: f"f.{c}" for c in family_columns}
    select = ", ".join(fam.get(c) or f"p.{c}" for c in EXTRACT_COLUMNS)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW register AS
        SELECT {select} FROM register_persons p JOIN register_families f ON f.id = p.family_id""")
    con.execute("CREATE OR REPLACE TEMP VIEW addresses AS SELECT kk, street FROM register_families")
    return persons.num_rows


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
    # The eligible rows in Model A (canonical encoding, register order), kept in memory for
    # the first recipient's copy (`write_copy(..., rows=result.rows)`).
    rows: pa.Table | None = field(default=None, repr=False)
    # eligible.parquet still being written (`compute_extract(..., background=True)`).
    pending: Future | None = field(default=None, repr=False)

    def wait(self) -> None:
        """Wait until eligible.parquet is complete; raises the writer's error, once."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()


def compute_extract(con: duckdb.DuckDBPyConnection, polling_day: dt.date, out: Path, register_rows: int,
                    kecamatan_names: dict[str, str] | None = None, *, background: bool = False) -> ExtractResult:
    """From the relations `register` (eligibility.EXTRACT_COLUMNS of every person) and
    `addresses` (kk, street), as `snapshot_register` or `database_register` make them,
    write the internal files of an extract into `out`: eligible.parquet (Model A,
    canonical encoding, every eligible person, in no particular order),
    exclusions.parquet (nik, no_kk, kelurahan, reason, birth_date, marital_status) and
    dak2.csv. `register_rows` is the persons count those functions return: the counts
    must add up to it. Returns the counts and the eligible rows.

    Two scans of the register (eligible rows, excluded rows); the counts are taken
    over the two in memory. The internal eligible.parquet is written by pyarrow on a thread of its own:
    pyarrow's writer takes well under half the CPU of DuckDB's for the same rows (3.7 s
    against 8.5-11 s for the 8.1 M DKI rows, measured). The eligible rows come out in
    the register's order: every copy has its own keyed order, and the internal file is
    only ever joined or filtered on NIK.

    With `background`, that thread starts after the two scans (which keep both cores
    busy on their own) and may still be writing on return, beside the first copy's
    single-threaded steps: `result.wait()` before relying on eligible.parquet. 33 ->
    25-27 s wall for a DKI extract with its first copy, from the snapshot (measured)."""
    out.mkdir(parents=True, exist_ok=True)
    # A view, not a table: the CASE is cheap, and it is evaluated in two scans only.
    con.execute(f"CREATE OR REPLACE TEMP VIEW classified AS SELECT *, {exclusion_reason_sql(polling_day)} AS reason "
                "FROM register")
    # The street joins the eligible rows only, by KK, already in Model A form (upper
    # case, trimmed once per family): 11.6 -> 8.5 CPU-s for the DKI rows (measured),
    # against joining it to every person before the eligibility test.
    con.execute("CREATE OR REPLACE TEMP VIEW alamat_kk AS SELECT kk, upper(trim(street)) AS alamat FROM addresses")
    rows = con.sql(f"SELECT {model_a_select('r', alamat='a.alamat')} FROM classified r "
                   "LEFT JOIN alamat_kk a ON a.kk = r.kk WHERE r.reason IS NULL").to_arrow_table()
    internal = None
    if not background:
        internal = _submit(_write_internal_parquet, rows, out / "eligible.parquet")
    exclusions = None
    try:
        # The excluded rows once into memory (a few million, narrow): their file is written
        # on a thread, and the counts are taken over them and the eligible rows rather
        # than by another scan of the register (7.3 -> ~3 CPU-s at DKI scale, measured).
        excluded_rows = con.sql("SELECT nik, kk AS no_kk, kelurahan_code AS kelurahan, reason, birth_date, "
                                "marital_status, status, sex FROM classified WHERE reason IS NOT NULL").to_arrow_table()
        exclusions = _submit(_write_parquet_file, excluded_rows.drop_columns(["status", "sex"]),
                             out / "exclusions.parquet")
        # Every count in one pass: DAK2 per kecamatan (aggregate population, for drawing
        # electoral districts) with the exclusions per reason beside it. Every register
        # row is in exactly one group (outside DKI and without kelurahan too), so the
        # sums over the groups are the extract's totals. An eligible person is alive,
        # and their Model A jenis_kelamin, no_kk and kelurahan are the register's values.
        con.register("extract_eligible", rows)
        con.register("extract_excluded", excluded_rows)
        per_reason = ", ".join(f"count(*) FILTER (reason = '{r}') AS x_{r}" for r in EXCLUSION_REASONS)
        rows_k = con.execute(f"""
            SELECT left(kelurahan, 8) AS kecamatan,
                   count(*) FILTER (status = 'hidup') AS penduduk,
                   count(*) FILTER (status = 'hidup' AND sex = 'L') AS penduduk_l,
                   count(*) FILTER (status = 'hidup' AND sex = 'P') AS penduduk_p,
                   count(DISTINCT kk) FILTER (status = 'hidup') AS kk,
                   count(*) FILTER (reason IS NULL) AS pemilih,
                   count(*) FILTER (reason IS NULL AND sex = 'L') AS pemilih_l,
                   count(*) FILTER (reason IS NULL AND sex = 'P') AS pemilih_p,
                   {per_reason}, count(*) AS total
            FROM (SELECT kelurahan, 'hidup' AS status, jenis_kelamin AS sex, no_kk AS kk, NULL::VARCHAR AS reason
                  FROM extract_eligible
                  UNION ALL
                  SELECT kelurahan, status, sex, no_kk, reason FROM extract_excluded)
            GROUP BY 1 ORDER BY 1""").fetchall()
        con.unregister("extract_eligible")
        con.unregister("extract_excluded")
        del excluded_rows
        exclusions.result()
    except BaseException:
        for pending in (internal, exclusions):
            if pending is not None:
                with contextlib.suppress(Exception):
                    pending.result()
        raise
    if internal is None:
        internal = _submit(_write_internal_parquet, rows, out / "eligible.parquet")
    con.execute("DROP VIEW classified")
    con.execute("DROP VIEW alamat_kk")
    keys = ("kecamatan", "penduduk", "penduduk_l", "penduduk_p", "kk", "pemilih", "pemilih_l", "pemilih_p")
    names = kecamatan_names or {}
    dak2 = [{"kecamatan": r[0], "nama": names.get(r[0], ""), **dict(zip(keys[1:], r[1:8], strict=True))}
            for r in rows_k]
    write_dak2(dak2, out / "dak2.csv")
    totals = {reason: sum(r[8 + i] for r in rows_k) for i, reason in enumerate(EXCLUSION_REASONS)}
    excluded = {reason: n for reason, n in sorted(totals.items()) if n}
    eligible, men, women = (sum(d[k] for d in dak2) for k in ("pemilih", "pemilih_l", "pemilih_p"))
    # Every register row is either eligible or excluded with one of EXCLUSION_REASONS:
    # this fails if the CASE gives a reason not in that list, or the street's join
    # added or lost rows.
    result = ExtractResult(eligible, men, women, excluded, dak2, rows, internal)
    if eligible + sum(totals.values()) != register_rows or sum(r[-1] for r in rows_k) != register_rows:
        with contextlib.suppress(Exception):
            result.wait()
        raise RuntimeError(f"counts do not add up: {register_rows} in the register, {eligible} eligible, {totals}")
    if not background:
        result.wait()
    return result


# Columns of eligible.parquet with few distinct values: only these are dictionary encoded
# (for NIK, KK, name, address and birth date the dictionary only costs time before the
# writer falls back to plain pages), and no column statistics (nothing prunes row
# groups of a file in register order). 4.3 -> 3.2 CPU-seconds for the 8.1 M DKI rows,
# 279 -> 313 MB (measured).
_INTERNAL_DICTIONARY = ("tempat_lahir", "status_perkawinan", "jenis_kelamin", "rt", "rw", "disabilitas",
                        "status_ktp_el", "keterangan", "kelurahan")


def _submit(fn, *args) -> Future:
    """`fn(*args)` on a thread of its own, not waited for."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)


def _write_parquet_file(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="snappy")


def _write_internal_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="snappy", write_statistics=False,
                   use_dictionary=[c for c in table.column_names if c in _INTERNAL_DICTIONARY])


def write_dak2(dak2: list[dict], path: Path) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["kecamatan", "nama", "penduduk", "penduduk_l", "penduduk_p", "kk",
                                                "pemilih", "pemilih_l", "pemilih_p"])
        writer.writeheader()
        writer.writerows(dak2)


# --- Fingerprinted copies (fp1) ------------------------------------------------------------

_U64 = (1 << 64) - 1


def _fp_hash(rows: pa.Table, key: str) -> tuple[np.ndarray, np.ndarray]:
    """h = md5(key || nik) of every row as two big-endian uint64: `hi` holds hex digits
    1-16 of h, `lo` digits 17-32, so (hi, lo) compares like the hex string.

    DuckDB's md5_number is the digest read as a little-endian 128-bit integer: its low
    64 bits are digest bytes 0-7 and its high 64 bits bytes 8-15, each little-endian,
    hence the byte swaps. One md5 per row (md5_number_upper and _lower would be two)."""
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("fingerprint key must be 32 lowercase hex digits")
    # In batches (zero copy): DuckDB scans an Arrow table in parallel by batch.
    niks = rows.select(["nik"])
    niks = pa.Table.from_batches(niks.to_batches(max_chunksize=BATCH_ROWS), schema=niks.schema)
    with duck_session(fp_rows=niks) as con:
        # A NULL NIK (none in a register) sorts last, as NULLs do in ORDER BY.
        h = con.sql(f"""SELECT (n & {_U64})::UBIGINT AS hi, (n >> 64)::UBIGINT AS lo FROM (
                           SELECT coalesce(md5_number('{key}' || nik), {(1 << 128) - 1}::UHUGEINT) AS n FROM fp_rows)
                     """).to_arrow_table()
    return (h.column("hi").to_numpy().byteswap(), h.column("lo").to_numpy().byteswap())


def _fp_order(kelurahan: pa.ChunkedArray | pa.Array, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """The row permutation of fp1: by kelurahan (bytewise, NULL last, as DuckDB's ORDER BY),
    then by h. One argsort of a 64-bit key (kelurahan rank in the top bits, the first
    bits of h below it) instead of a sort of the wide rows; the few keys that tie (two
    NIKs whose h share the prefix, ~45 at DKI scale) are put in order by the full h."""
    if isinstance(kelurahan, pa.ChunkedArray):
        kelurahan = kelurahan.combine_chunks()
    encoded = pc.dictionary_encode(kelurahan)
    names = encoded.dictionary
    rank = np.empty(len(names) + 1, np.uint64)
    rank[pc.sort_indices(names).to_numpy()] = np.arange(len(names), dtype=np.uint64)
    rank[len(names)] = len(names)  # NULL
    codes = encoded.indices.fill_null(len(names)).to_numpy()
    bits = max(1, len(names).bit_length())
    key = (rank[codes] << np.uint64(64 - bits)) | (hi >> np.uint64(bits))
    order = np.argsort(key)
    key = key[order]
    tied = np.flatnonzero(key[1:] == key[:-1])
    del key
    if len(tied):
        first = tied[np.r_[True, tied[1:] != tied[:-1] + 1]]
        last = tied[np.r_[tied[1:] != tied[:-1] + 1, True]] + 1
        for a, b in zip(first, last, strict=True):
            # Rows with the same h (the same NIK twice) keep their order in `rows`.
            run = np.sort(order[a:b + 1])
            order[a:b + 1] = run[np.lexsort((lo[run], hi[run]))]
    return order


def _below_8(lo: np.ndarray, digit: int) -> np.ndarray:
    """Whether hex digit `digit` (17-32, 1-based as SQL's substr) of h is below '8': the
    top bit of its nibble in `lo` is clear."""
    return (lo >> np.uint64(4 * (32 - digit) + 3)) & np.uint64(1) == 0


# Rows per gathered batch of a copy: the gather, the CSV lines and the Parquet row
# groups go batch by batch, so the copy is never whole in memory and each batch's
# buffers are reused by the allocator for the next one.
COPY_BATCH_ROWS = 262_144


def _chunked_take(chunk_starts: np.ndarray, picked: np.ndarray):
    """A function giving `column.take(picked)` for chunked columns that start their
    chunks at `chunk_starts`, without concatenating the column (which Arrow's take on
    a chunked column does on every call): a take from each chunk of the indices that
    fall in it, then one take within the batch back into `picked`'s order."""
    chunk = np.searchsorted(chunk_starts, picked, side="right") - 1
    grouped = np.argsort(chunk, kind="stable")
    bounds = np.searchsorted(chunk[grouped], np.arange(len(chunk_starts) + 1))
    local = [pa.array(picked[grouped[a:b]] - chunk_starts[c]) if b > a else None
             for c, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]
    back = np.empty_like(grouped)
    back[grouped] = np.arange(len(grouped))
    back = pa.array(back)

    def take(column: pa.ChunkedArray) -> pa.Array:
        pieces = [column.chunk(c).take(ix) for c, ix in enumerate(local) if ix is not None]
        return pa.concat_arrays(pieces).take(back) if pieces else column.chunk(0).slice(0, 0)
    return take


def _ordered_batches(rows: pa.Table, order: np.ndarray, lo: np.ndarray,
                     fields: tuple[str, ...]) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """`rows[fields]` in fp1 order with fp1's encoding (RT, RW without zero padding when
    digit 32, 31 of h is below '8', alamat with a trailing space when digit 30 is), as
    record batches gathered on a thread of their own, a few ahead of their reader.

    The order jumps all over the register, so the gather is costly. Gathering the whole
    copy at once (session 2) spent more time zeroing fresh pages (kernel) than copying:
    ~11 CPU-s for the 8.1 M DKI rows. By batch, the same few hundred MB are reused.
    The source columns stay in their chunks (`_chunked_take`): combining them first
    cost 1 GB of fresh pages, ~2 s of kernel time here (measured)."""
    if len(order) == 0:  # no one eligible: the header alone
        return rows.select(list(fields)).schema, iter(())
    # Columns with few values are gathered as dictionary indices (a take of small
    # integers instead of strings), decoded per batch for the CSV and written as they
    # are to the Parquet file (its dictionary pages need no hashing then). RT and RW
    # get fp1's encoding by index arithmetic: their dictionary is the canonical values
    # followed by the same values without zero padding.
    source = {name: (pc.dictionary_encode(rows.column(name)) if name in _INTERNAL_DICTIONARY
                     else rows.column(name)) for name in fields}
    chunk_starts = np.cumsum([0] + [len(c) for c in rows.column(fields[0]).chunks])[:-1]
    flags = {"rt": _below_8(lo, 32), "rw": _below_8(lo, 31), "alamat": _below_8(lo, 30)}
    padded = {}
    for name in ("rt", "rw"):
        if name in source:
            values = source[name].chunk(0).dictionary  # one dictionary for every chunk
            padded[name] = (len(values), pa.concat_arrays([values, pc.utf8_ltrim(values, characters="0")]))
    schema = pa.schema([(name, pa.dictionary(pa.int32(), padded[name][1].type) if name in padded else source[name].type)
                        for name in fields])

    def gather(start: int) -> pa.RecordBatch:
        picked = order[start:start + COPY_BATCH_ROWS]
        take = _chunked_take(chunk_starts, picked)
        columns = []
        for name in fields:
            col = take(source[name])
            if name in padded:
                n, dictionary = padded[name]
                codes = col.indices.to_numpy(zero_copy_only=False).astype(np.int32) + flags[name][picked] * np.int32(n)
                col = pa.DictionaryArray.from_arrays(pa.array(codes, mask=col.is_null().to_numpy(zero_copy_only=False)),
                                                     dictionary)
            elif name == "alamat":
                col = pc.if_else(pa.array(flags[name][picked]), pc.binary_join_element_wise(col, " ", ""), col)
            columns.append(col)
        return pa.record_batch(columns, schema=schema)

    def batches() -> Iterator[pa.RecordBatch]:
        window = 3  # batches gathered ahead of the writers
        with ThreadPoolExecutor(1) as pool:
            starts = range(0, len(order), COPY_BATCH_ROWS)
            pending = [pool.submit(gather, s) for s in starts[:window]]
            for i in range(len(starts)):
                if i + window < len(starts):
                    pending.append(pool.submit(gather, starts[i + window]))
                batch, pending[i] = pending[i].result(), None
                yield batch
                del batch

    return schema, batches()


# What makes DuckDB's CSV writer (DELIMITER ',', QUOTE '"', the default null string '')
# quote a value: the delimiter, the quote, a line break, the comment character '#', or
# the value being the empty string (to tell it from NULL, written as nothing).
# test_fingerprint checks `_write_csv` byte for byte against DuckDB's COPY.
_CSV_QUOTE_BYTES = np.array([ord(c) for c in ',"\n\r#'], np.uint8)
_CSV_QUOTE_TABLE = np.zeros(256, bool)
_CSV_QUOTE_TABLE[_CSV_QUOTE_BYTES] = True
# All of them at or below ',' (0x2C): see `_csv_column`.
assert _CSV_QUOTE_BYTES.max() <= 0x2C and 0x20 not in _CSV_QUOTE_BYTES


def _csv_column(col: pa.Array) -> pa.Array:
    """One (string) column's CSV fields: the value as is, quoted ("" for ") where DuckDB would
    quote it, empty for NULL. The search for bytes that need quoting runs in NumPy over
    the column's data buffer at once; only the few values found are rewritten."""
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    col = col.cast(pa.string())
    n = len(col)
    offsets = np.frombuffer(col.buffers()[1], np.int32, n + 1, col.offset * 4)
    data = col.buffers()[2]
    need = np.zeros(n, bool)
    if data is not None and offsets[-1] > offsets[0]:
        span = np.frombuffer(data, np.uint8, offsets[-1] - offsets[0], offsets[0])
        # Bytes at or below ',' other than the space are rare in these values: find them
        # in one vectorised pass, then keep those that need quoting (a quarter of the
        # time of np.isin over the whole buffer, which makes a pass per byte sought).
        low = np.flatnonzero((span <= 0x2C) & (span != 0x20))
        hits = low[_CSV_QUOTE_TABLE[span[low]]]
        if len(hits):
            need[np.searchsorted(offsets, hits + offsets[0], side="right") - 1] = True
    empty = offsets[1:] == offsets[:-1]
    if col.null_count:
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        need &= valid
        empty &= valid
    if need.any():
        mask = pa.array(need)
        chosen = col.filter(mask)
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(chosen, '"', '""'), '"', "")
        col = pc.replace_with_mask(col, mask, quoted)
    if empty.any():
        # Often most of a column (disabilitas, keterangan): one pass, not the above.
        col = pc.if_else(pa.array(empty), pa.scalar('""'), col)
    return col


def _csv_lines(batch: pa.RecordBatch) -> pa.Buffer:
    """The CSV lines of a batch as one buffer (fields joined by ',', each line ending
    in a newline)."""
    fields = [_csv_column(c) for c in batch.columns]
    fields[-1] = pc.binary_join_element_wise(pc.fill_null(fields[-1], ""), "", "\n")
    lines = pc.binary_join_element_wise(*fields, ",", null_handling="replace", null_replacement="")
    offsets = np.frombuffer(lines.buffers()[1], np.int32, len(lines) + 1, lines.offset * 4)
    return lines.buffers()[2][offsets[0]:offsets[-1]] if len(lines) else pa.py_buffer(b"")


def _write_csv(table: pa.Table, path: Path) -> str:
    """Write `table` as CSV with a header, exactly as DuckDB's COPY ... (HEADER, DELIMITER
    ',', QUOTE '"') would; return the file's sha256."""
    return _write_files(table.schema, iter(table.to_batches(max_chunksize=BATCH_ROWS)), path, None)


def _write_files(schema: pa.Schema, batches: Iterator[pa.RecordBatch], csv_path: Path,
                 parquet_path: Path | None) -> str:
    """Write record batches to a CSV file with a header, exactly as
    DuckDB's COPY ... (HEADER, DELIMITER ',', QUOTE '"') would, and, if `parquet_path`
    is given, to a Parquet file; return the CSV's sha256 (hashed as it is written).

    The CSV lines are built with Arrow kernels on this thread (a third of the CPU of
    DuckDB's CSV writer for the 8.1 M DKI rows), while pyarrow writes the Parquet row
    groups on a thread of its own (its writer has no more)."""
    digest = hashlib.sha256()
    header = _csv_lines(pa.record_batch([pa.array([name]) for name in schema.names], names=schema.names))
    writer = _copy_parquet_writer(parquet_path, schema) if parquet_path is not None else None
    written: list[Future] = []
    window = 3  # Parquet row groups waiting to be written, at most
    try:
        with open(csv_path, "wb") as fh, ThreadPoolExecutor(1) as pool:
            fh.write(header)
            digest.update(header)
            for i, batch in enumerate(batches):
                if writer is not None:
                    if i >= window:
                        written[i - window].result()
                        written[i - window] = None
                    written.append(pool.submit(writer.write_batch, batch))
                chunk = _csv_lines(batch)
                del batch
                fh.write(chunk)
                digest.update(chunk)
            for future in written:
                if future is not None:
                    future.result()
    finally:
        if hasattr(batches, "close"):
            batches.close()  # a gatherer still running stops here, on an error
        if writer is not None:
            writer.close()
    return digest.hexdigest()


def _copy_parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    # As the internal file: dictionary pages for the columns with few values only; and
    # statistics for the kelurahan alone, which a copy is sorted by (a reader picking
    # one kelurahan skips the other row groups).
    # Without the Arrow schema in the file: readers see plain strings, not dictionaries.
    return pq.ParquetWriter(path, schema, compression="snappy", store_schema=False,
                            use_dictionary=[c for c in schema.names if c in _INTERNAL_DICTIONARY],
                            write_statistics=[c for c in schema.names if c == "kelurahan"])


def write_copy(extract_dir: Path, out: Path, key: str, *, fields: tuple[str, ...] = MODEL_A_FIELDS,
               rows: pa.Table | None = None) -> dict:
    """Write a recipient's fingerprinted copy (model_a.csv, model_a.parquet, dak2.csv) of
    the extract in `extract_dir` into `out` (from `rows`, the extract's eligible rows,
    when given, as right after `compute_extract`; else from its eligible.parquet). Files
    appear only when complete (written to a temporary directory beside `out`, then
    moved). Returns {file: {sha256, rows}}.

    The order is computed on narrow keys (`_fp_order`); the wide rows are gathered in
    that order batch by batch (`_ordered_batches`), and each batch goes to the CSV
    (hashed as written) and to the Parquet file (`_write_files`)."""
    out.mkdir(parents=True, exist_ok=True)
    if rows is None:
        needed = [f for f in MODEL_A_FIELDS if f in fields or f in ("nik", "kelurahan")]
        rows = pq.read_table(extract_dir / "eligible.parquet", columns=needed)
    hi, lo = _fp_hash(rows, key)
    order = _fp_order(rows.column("kelurahan"), hi, lo)
    del hi
    tmp = Path(tempfile.mkdtemp(prefix=".dp4-", dir=out))
    try:
        schema, batches = _ordered_batches(rows, order, lo, fields)
        digests = {"model_a.csv": _write_files(schema, batches, tmp / "model_a.csv", tmp / "model_a.parquet")}
        shutil.copyfile(extract_dir / "dak2.csv", tmp / "dak2.csv")
        names = ("model_a.csv", "model_a.parquet", "dak2.csv")
        for name in names:
            os.replace(tmp / name, out / name)
        for name in names[1:]:
            digests[name] = sha256_file(out / name)
        return {name: {"sha256": digests[name], "rows": len(order) if name.startswith("model_a") else None}
                for name in names}
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
