"""The bulk writer: put a whole register (families + persons, exchange schema) in the database.

Used by `adminduk load DIR` (synthetic or exported registers) and by the importer.
One call is all or nothing: validate the tables first (vectorised, every problem
listed), then write families, persons, the LoadBatch row and the audit row in ONE
database transaction. A failure anywhere leaves the register exactly as it was.

Why not the ORM: 11 million `Person` objects would take an hour and tens of GB.
- PostgreSQL: `COPY ... FROM STDIN` (CSV produced by Arrow's C++ writer) on Django's
  own psycopg connection, inside its transaction. Secondary indexes and foreign keys
  are dropped first and rebuilt after the copy (PostgreSQL DDL is transactional, so a
  failure restores them too): building an index once is far cheaper than updating it
  11 million times.
- SQLite: Arrow is ingested through ADBC (C, no Python per row) into a *staging* file,
  which Django's connection ATTACHes and copies with `INSERT ... SELECT` inside its own
  transaction. Ingesting straight into the register through ADBC would be a second
  writer with its own transaction, so the LoadBatch and audit rows could not commit
  atomically with the data.

The target register must be empty (or `replace=True`, which deletes persons, families
and their history first, refusing when other apps' rows still point at them). Person
and family ids are assigned here, contiguously after the current maximum.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction

from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Level, Region

from . import choices
from .models import Family, History, LoadBatch, Person
from .names import name_key
from .search import refresh_name_tokens

FAMILY_COLUMNS = ("kk", "kelurahan_code", "rw", "rt", "street", "issued_on", "printed_on")
PERSON_COLUMNS = (
    "nik", "kk", "name", "sex", "birth_date", "birth_place", "religion", "marital_status", "relation", "education",
    "occupation", "citizenship", "disability", "blood_type", "father_name", "father_nik", "mother_name", "mother_nik",
    "kelurahan_code", "rw", "rt", "status", "death_date", "birth_cert_no", "death_cert_no", "marriage_cert_no",
    "ktp_state", "kia_issued_on", "ikd_activated_on",
)
FAMILY_DATES = ("issued_on", "printed_on")
PERSON_DATES = ("birth_date", "death_date", "kia_issued_on", "ikd_activated_on")
# Exchange-schema columns that are stored on the family, not on the person.
PERSON_ADDRESS_COLUMNS = ("kk", "kelurahan_code", "rw", "rt")

# Database columns in insertion order (ids first; `family_id` and `name_key` are derived).
FAMILY_DB = ("id", "kk", "kelurahan_code", "rw", "rt", "street", "issued_on", "printed_on")
PERSON_DB = ("id", "nik", "family_id", "name", "name_key") + tuple(
    c for c in PERSON_COLUMNS if c not in PERSON_ADDRESS_COLUMNS and c not in ("nik", "name")
)

# Categorical columns and the values SIAK allows (registry/choices.py).
CHOICE_COLUMNS = {
    "sex": choices.Sex, "religion": choices.Religion, "marital_status": choices.MaritalStatus,
    "relation": choices.Relation, "education": choices.Education, "occupation": choices.Occupation,
    "citizenship": choices.Citizenship, "disability": choices.Disability, "blood_type": choices.BloodType,
    "status": choices.LifeStatus, "ktp_state": choices.KtpState,
}
MAX_LENGTHS = {f.name: f.max_length for f in Person._meta.fields if getattr(f, "max_length", None)}
FAMILY_MAX_LENGTHS = {f.attname if f.name != "kelurahan" else "kelurahan_code": f.max_length
                      for f in Family._meta.fields if getattr(f, "max_length", None)}
MAX_ERRORS_SHOWN = 20


class BulkLoadError(Exception):
    """The tables cannot be written; `errors` lists every problem found (Bahasa Indonesia)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors[:MAX_ERRORS_SHOWN]) + (f" (+{len(errors) - MAX_ERRORS_SHOWN} lagi)"
                                                                  if len(errors) > MAX_ERRORS_SHOWN else ""))


def write_register(families: pa.Table, persons: pa.Table, *, actor, source: str, kind: str, reason: str,
                   sha256: str = "", replace: bool = False, progress=None) -> LoadBatch:
    """Write `families` and `persons` (exchange schema, linked by `kk`) as the register.

    Returns the LoadBatch row. Raises BulkLoadError (nothing written) when the tables
    break a rule, the areas are missing, or the register is not empty and not `replace`.
    `progress`, if given, is called with a short message before each step.
    """
    say = progress or (lambda message: None)
    if not reason or not reason.strip():
        raise BulkLoadError(["alasan pemuatan wajib diisi"])
    say("memeriksa data")
    families, persons = _normalise(families, persons)
    person_family = _validate(families, persons, replace=replace)
    say(f"menghitung kunci nama untuk {len(persons):,} penduduk")
    persons = persons.append_column("name_key", _name_keys(persons.column("name")))

    # The register is empty when rows go in (checked above, or emptied by `replace`
    # inside the same transaction), so ids start at 1.
    fam = families.append_column("id", pa.array(np.arange(1, len(families) + 1, dtype=np.int64)))
    per = persons.append_column("id", pa.array(np.arange(1, len(persons) + 1, dtype=np.int64)))
    per = per.append_column("family_id", pc.add(person_family, 1))
    fam, per = fam.select(list(FAMILY_DB)), per.select(list(PERSON_DB))
    del families, persons

    n_families, n_persons = len(fam), len(per)
    tables = [fam, per]
    del fam, per
    if connection.vendor == "postgresql":
        writer = contextlib.nullcontext(_write_postgres)
    elif connection.in_atomic_block:
        # SQLite cannot ATTACH the staging file inside a caller's transaction: go
        # through Django's cursor instead (slower; fine for imports of modest size).
        writer = contextlib.nullcontext(_write_sqlite_executemany)
    else:
        # The staging file holds the rows from here on: the Arrow tables are dropped
        # (`tables` is emptied) before SQLite sorts the indexes, which needs the memory.
        writer = _sqlite_staged(tables, say)
    with writer as write, transaction.atomic():
        if replace:
            say("menghapus register lama")
            _delete_register()
        write(tables, say)
        batch = LoadBatch.objects.create(
            actor=actor if getattr(actor, "pk", None) else None, source=source[:500], kind=kind,
            families=n_families, persons=n_persons, sha256=sha256, reason=reason,
        )
        audit_record(actor, f"register.{kind}", object_type="register", purpose=reason,
                     query=f"source={source} sha256={sha256} replace={replace}", row_count=n_persons)
        # Name search corrects spelling against the vocabulary of the register's name
        # words; after a bulk load it must be rebuilt in the same transaction.
        say("membangun kosakata nama untuk pencarian")
        refresh_name_tokens()
    return batch


def settle(progress=None) -> None:
    """After a committed bulk write on PostgreSQL: VACUUM (ANALYZE) the register tables.

    Standard after a bulk load: it sets the visibility map (index-only scans) and hint
    bits once, now, instead of letting the insert-triggered autovacuum do it over 11
    million rows at some later moment while the register is serving (measured: API
    latency spikes to hundreds of ms during that vacuum). VACUUM cannot run inside a
    transaction, so this is a separate step; a no-op on SQLite (ANALYZE ran in the load)
    or inside a caller's transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if progress:
        progress("VACUUM (ANALYZE) tabel register")
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) registry_family, registry_person")


# --- preparing and validating ----------------------------------------------------------


def _normalise(families: pa.Table, persons: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Check the columns exist; give text columns '' for null and date columns a date type."""
    errors = [f"kolom {c!r} tidak ada pada data keluarga" for c in FAMILY_COLUMNS if c not in families.column_names]
    errors += [f"kolom {c!r} tidak ada pada data penduduk" for c in PERSON_COLUMNS if c not in persons.column_names]
    if errors:
        raise BulkLoadError(errors)
    return (_typed(families.select(list(FAMILY_COLUMNS)), FAMILY_DATES, "keluarga"),
            _typed(persons.select(list(PERSON_COLUMNS)), PERSON_DATES, "penduduk"))


def _typed(table: pa.Table, date_columns, what: str) -> pa.Table:
    errors = []
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        try:
            # Only convert what needs it: at 11 million rows a needless copy of every
            # text column costs gigabytes.
            if name in date_columns:
                if not pa.types.is_date32(col.type):
                    col = col.cast(pa.string()).cast(pa.date32()) if not pa.types.is_timestamp(col.type) \
                        else col.cast(pa.date32())
            else:
                if not pa.types.is_string(col.type):
                    col = col.cast(pa.string())
                if col.null_count:
                    col = pc.fill_null(col, "")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            errors.append(f"kolom {name!r} pada data {what} tidak dapat dibaca sebagai "
                          f"{'tanggal (YYYY-MM-DD)' if name in date_columns else 'teks'}: {exc}")
            continue
        table = table.set_column(i, name, col)
    if errors:
        raise BulkLoadError(errors)
    return table


def _examples(table: pa.Table, mask, column: str, limit: int = 3) -> str:
    values = table.filter(mask).column(column).slice(0, limit).to_pylist()
    return ", ".join(repr(v) for v in values)


def _validate(families: pa.Table, persons: pa.Table, *, replace: bool):
    """Structural rules that the database or the app rely on. Returns the kk → row mapping."""
    errors: list[str] = []
    kelurahan = list(Region.objects.filter(level=Level.KELURAHAN).values_list("code", flat=True))
    if not kelurahan:
        raise BulkLoadError(["tabel wilayah kosong: jalankan `adminduk load-regions` lebih dahulu"])
    if not replace and (Person.objects.exists() or Family.objects.exists()):
        raise BulkLoadError([
            f"register tidak kosong ({Person.objects.count():,} penduduk, {Family.objects.count():,} KK); "
            "gunakan --replace untuk menggantinya"
        ])

    kk = families.column("kk")
    if pc.count_distinct(kk).as_py() != len(kk):
        dup = pc.value_counts(kk).filter(pc.greater(pc.struct_field(pc.value_counts(kk), [1]), 1))
        errors.append(f"nomor KK ganda pada data keluarga: {len(dup):,} nomor, mis. "
                      f"{', '.join(repr(v['values']) for v in dup.slice(0, 3).to_pylist())}")
    unknown = pc.invert(pc.is_in(families.column("kelurahan_code"), pa.array(kelurahan)))
    if pc.any(unknown).as_py():
        errors.append(f"{pc.sum(unknown).as_py():,} KK berada di kelurahan yang tidak ada dalam kode wilayah, "
                      f"mis. {_examples(families, unknown, 'kelurahan_code')}")
    for column, limit in FAMILY_MAX_LENGTHS.items():
        if column in families.column_names:
            errors += _length_errors(families, column, limit, "keluarga")
    for column in ("kk", "rw", "rt"):
        empty = pc.equal(families.column(column), "")
        if pc.any(empty).as_py():
            errors.append(f"{pc.sum(empty).as_py():,} KK tanpa {column.upper()}")

    person_family = pc.index_in(persons.column("kk"), value_set=kk)
    missing = pc.is_null(person_family)
    if pc.any(missing).as_py():
        errors.append(f"{pc.sum(missing).as_py():,} penduduk dengan nomor KK yang tidak ada pada data keluarga, "
                      f"mis. {_examples(persons, missing, 'kk')}")
    for column, enum in CHOICE_COLUMNS.items():
        bad = pc.invert(pc.is_in(persons.column(column), pa.array(list(enum.values))))
        if pc.any(bad).as_py():
            errors.append(f"kolom {column!r}: {pc.sum(bad).as_py():,} nilai di luar kategori SIAK, "
                          f"mis. {_examples(persons, bad, column)}")
    for column, limit in MAX_LENGTHS.items():
        if column in persons.column_names:
            errors += _length_errors(persons, column, limit, "penduduk")
    for column in ("nik", "name"):
        empty = pc.equal(persons.column(column), "")
        if pc.any(empty).as_py():
            errors.append(f"{pc.sum(empty).as_py():,} penduduk dengan kolom {column!r} kosong")
    no_birth = pc.is_null(persons.column("birth_date"))
    if pc.any(no_birth).as_py():
        errors.append(f"{pc.sum(no_birth).as_py():,} penduduk tanpa tanggal lahir")
    if errors:
        raise BulkLoadError(errors)
    return pc.fill_null(person_family, 0).cast(pa.int64())


def _length_errors(table: pa.Table, column: str, limit: int, what: str) -> list[str]:
    too_long = pc.greater(pc.utf8_length(table.column(column)), limit)
    if pc.any(too_long).as_py():
        return [f"kolom {column!r} pada data {what}: {pc.sum(too_long).as_py():,} nilai lebih dari {limit} karakter, "
                f"mis. {_examples(table, too_long, column)}"]
    return []


def _name_keys(names: pa.ChunkedArray) -> pa.Array:
    """`registry.names.name_key` of every name, computed once per distinct name.

    A register repeats names heavily; the key function is Python, so it runs over the
    dictionary of distinct names and the result is gathered back by index (C).
    """
    encoded = names.combine_chunks().dictionary_encode()
    keys = pa.array([name_key(n) for n in encoded.dictionary.to_pylist()], pa.string())
    return keys.take(encoded.indices)


# --- writing ------------------------------------------------------------------------


def _delete_register() -> None:
    """Empty the register for --replace; refuse when other apps' rows refer to it."""
    blocking = []
    for model in (Person, Family):
        for rel in model._meta.related_objects:
            if rel.related_model in (Person, Family, History):
                continue
            if rel.related_model._base_manager.filter(**{f"{rel.field.name}__isnull": False}).exists():
                blocking.append(rel.related_model._meta.label)
    if blocking:
        raise BulkLoadError([
            "register tidak dapat diganti: data lain masih merujuk penduduk/KK ("
            + ", ".join(sorted(set(blocking))) + ")"
        ])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if not History.objects.filter(person__isnull=True, family__isnull=True).exists():
                # TRUNCATE (transactional in PostgreSQL) instead of deleting millions of
                # rows one by one; the tables that refer to the register were checked
                # empty above, so CASCADE empties nothing else.
                cur.execute("TRUNCATE registry_history, registry_person, registry_family CASCADE")
                return
            # Deferred foreign-key checks would leave "pending trigger events" that
            # forbid the ALTER TABLEs of the copy that follows: check them now.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("DELETE FROM registry_history WHERE person_id IS NOT NULL OR family_id IS NOT NULL")
        cur.execute("DELETE FROM registry_person")
        cur.execute("DELETE FROM registry_family")


INGEST_CHUNK_ROWS = 500_000


def _dates_as_text(table: pa.Table) -> pa.RecordBatchReader:
    """The table as a stream whose date columns are ISO text (how Django stores SQLite dates).

    Converted chunk by chunk, so the text copies never exist for all rows at once.
    """
    dates = [i for i, f in enumerate(table.schema) if pa.types.is_date(f.type)]
    schema = table.schema
    for i in dates:
        schema = schema.set(i, pa.field(schema.field(i).name, pa.string()))

    def batches():
        for offset in range(0, len(table), INGEST_CHUNK_ROWS):
            chunk = table.slice(offset, INGEST_CHUNK_ROWS)
            for i in dates:
                chunk = chunk.set_column(i, schema.field(i).name, chunk.column(i).cast(pa.string()))
            yield from chunk.combine_chunks().to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())


@contextlib.contextmanager
def _sqlite_staged(tables: list, say):
    """Ingest the tables into a staging file with ADBC and ATTACH it to Django's connection.

    Yields the writer to call inside the transaction. ATTACH and the foreign-key pragma
    only work outside a transaction, hence this wrapper around it. Foreign keys are
    off during the copy: SQLite would look up each row's family and kelurahan, and the
    tables were validated above.
    """
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    db_path = Path(connection.settings_dict["NAME"])
    stage_dir = db_path.parent if db_path.parent.exists() else Path(tempfile.gettempdir())
    fd, stage = tempfile.mkstemp(prefix=".adminduk-load-", suffix=".sqlite3", dir=stage_dir)
    os.close(fd)
    connection.ensure_connection()
    try:
        say("menyiapkan data (staging)")
        with contextlib.closing(adbc_sqlite.connect(stage)) as stage_conn, stage_conn.cursor() as cur:
            families, persons = tables
            cur.adbc_ingest("family", _dates_as_text(families), mode="create")
            cur.adbc_ingest("person", _dates_as_text(persons), mode="create")
            stage_conn.commit()
            tables[:] = [len(families), len(persons)]
            del families, persons
        with connection.cursor() as cur:
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("ATTACH DATABASE %s AS stage", [stage])
            restore = _sqlite_bulk_pragmas(cur)
        try:
            yield _write_sqlite_from_stage
        finally:
            with connection.cursor() as cur:
                cur.execute("DETACH DATABASE stage")
                cur.execute("PRAGMA foreign_keys=ON")
                for statement in restore:
                    cur.execute(statement)
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(stage + suffix).unlink(missing_ok=True)


def _sqlite_bulk_pragmas(cur) -> list[str]:
    """Settings for one huge transaction; returns the statements that restore the old ones.

    - Rollback journal instead of WAL: in WAL every page of the load is written twice
      (to the WAL, then checkpointed); a rollback journal of tables that start empty
      stays tiny. Only possible when no other connection is open; otherwise stay in WAL.
    - A 400 MB page cache and two sorter threads: CREATE INDEX over millions of rows is
      an external sort, measured as the largest part of the load.
    """
    restore = []
    cur.execute("PRAGMA main.journal_mode")
    mode = cur.fetchone()[0]
    if mode.lower() == "wal":
        try:
            cur.execute("PRAGMA main.journal_mode=DELETE")
            if cur.fetchone()[0].lower() == "delete":
                restore.append("PRAGMA main.journal_mode=WAL")
        except Exception:  # another connection holds the database open: keep WAL
            pass
    cur.execute("PRAGMA cache_size")
    restore.append(f"PRAGMA cache_size={cur.fetchone()[0]}")
    cur.execute("PRAGMA cache_size=-400000")
    cur.execute("PRAGMA threads")
    restore.append(f"PRAGMA threads={cur.fetchone()[0]}")
    # Each sorter thread may use up to cache_size: 2 threads x 400 MB bounds the sort.
    cur.execute(f"PRAGMA threads={min(2, os.cpu_count() or 1)}")
    return restore


def _write_sqlite_from_stage(counts: list, say) -> None:
    n_families, n_persons = counts
    with connection.cursor() as cur:
        indexes = _sqlite_drop_indexes(cur, ("registry_person", "registry_family"))
        # No ORDER BY: the staging tables are scanned in insertion (= id) order, so the
        # rows arrive in key order anyway; ORDER BY id made SQLite sort all 11 million
        # rows in a temporary B-tree first (the stage has no index on id).
        say(f"menulis {n_families:,} KK")
        cur.execute(f"INSERT INTO registry_family ({', '.join(FAMILY_DB)}) "
                    f"SELECT {', '.join(FAMILY_DB)} FROM stage.family")
        say(f"menulis {n_persons:,} penduduk")
        cur.execute(f"INSERT INTO registry_person ({', '.join(PERSON_DB)}) "
                    f"SELECT {', '.join(PERSON_DB)} FROM stage.person")
        say(f"membangun {len(indexes)} indeks")
        for sql in indexes:
            cur.execute(sql)


def _write_sqlite_executemany(tables: list, say) -> None:
    families, persons = tables
    with connection.cursor() as cur:
        for table, data in (("registry_family", families), ("registry_person", persons)):
            say(f"menulis {len(data):,} baris ke {table}")
            marks = ", ".join(["%s"] * data.num_columns)
            sql = f"INSERT INTO {table} ({', '.join(data.column_names)}) VALUES ({marks})"
            for batch in _dates_as_text(data):
                cur.executemany(sql, list(zip(*(c.to_pylist() for c in batch.columns), strict=True)))


def _sqlite_drop_indexes(cur, tables) -> list[str]:
    """Drop the named (non-automatic) indexes of `tables`; return their CREATE statements."""
    placeholders = ", ".join(["%s"] * len(tables))
    cur.execute(f"SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders})", list(tables))
    found = cur.fetchall()
    for name, _sql in found:
        cur.execute(f'DROP INDEX main."{name}"')
    return [sql for _name, sql in found]


def _write_postgres(tables: list, say) -> None:
    families, persons = tables
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL synchronous_commit = off")
        saved = _postgres_drop_indexes(cur, ("registry_person", "registry_family"))
        say(f"menyalin {len(families):,} KK (COPY)")
        _copy(cur, "registry_family", families)
        say(f"menyalin {len(persons):,} penduduk (COPY)")
        _copy(cur, "registry_person", persons)
        say(f"membangun {len(saved)} indeks dan batasan")
        for sql in saved:
            cur.execute(sql)
        # Fresh statistics: without them the planner guesses 5,000 rows per NIK and
        # answers a NIK lookup with a parallel bitmap scan (34 ms instead of 0.1 ms).
        cur.execute("ANALYZE registry_family, registry_person")
        for table in ("registry_family", "registry_person"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 1))")


def _postgres_drop_indexes(cur, tables) -> list[str]:
    """Drop foreign keys, unique constraints and secondary indexes; return SQL to rebuild them.

    Primary keys stay (the copy fills them in order). Constraints pointing INTO these
    tables from other apps are left alone: they need the primary keys only.
    """
    tables = list(tables)
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype DESC",
        [tables],
    )
    constraints = cur.fetchall()
    for table, name, _definition in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    # Indexes first, then unique constraints, then foreign keys (which need the uniques).
    rebuild = [definition for _name, definition in indexes]
    rebuild += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints if not d.startswith("FOREIGN")]
    rebuild += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints if d.startswith("FOREIGN")]
    return rebuild


COPY_CHUNK_ROWS = 500_000


def _copy(cur, table: str, data: pa.Table) -> None:
    """COPY an Arrow table into `table` as CSV, in chunks to bound memory."""
    text_columns = [n for n in data.column_names if pa.types.is_string(data.schema.field(n).type)]
    # Arrow writes '' for an empty string and nothing for null; FORCE_NOT_NULL keeps
    # empty text as '' (the register never stores NULL text), dates stay NULL.
    options = "FORMAT csv"
    if text_columns:
        options += f", FORCE_NOT_NULL ({', '.join(text_columns)})"
    sql = f"COPY {table} ({', '.join(data.column_names)}) FROM STDIN WITH ({options})"
    write_options = pacsv.WriteOptions(include_header=False)

    def csv_chunk(offset: int) -> memoryview:
        buffer = io.BytesIO()
        pacsv.write_csv(data.slice(offset, COPY_CHUNK_ROWS), buffer, write_options)
        return buffer.getbuffer()

    raw = cur.cursor  # the psycopg cursor under Django's wrapper
    offsets = list(range(0, len(data), COPY_CHUNK_ROWS))
    # Arrow writes the next chunk's CSV (releasing the GIL) while this one is sent.
    with raw.copy(sql) as copy, ThreadPoolExecutor(max_workers=1) as csv_writer:
        pending = csv_writer.submit(csv_chunk, offsets[0]) if offsets else None
        for i in range(len(offsets)):
            chunk = pending.result()
            if i + 1 < len(offsets):
                pending = csv_writer.submit(csv_chunk, offsets[i + 1])
            copy.write(chunk)
