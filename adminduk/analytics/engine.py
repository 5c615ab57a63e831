"""The columnar engine for batch work: read the register into Arrow, compute in DuckDB.

At 11 million residents the ORM is one to two orders of magnitude slower than this
(RECIPES.md). The register is read straight from the operational database through ADBC
(SQLite or PostgreSQL, whichever Django uses), only the columns asked for, and handed
to an in-memory DuckDB connection. Results that pages show are written back as small
summary tables by the calling app.

Reads here are not personal-data reads by a user: callers (DP4 extract, coverage,
forecast) audit their own job with the acting user and purpose.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - `pa.compute` below; not loaded by `import pyarrow`
from django.conf import settings
from django.db import connection

# Columns of the register's tables, as the batch jobs know them (renamed to the names
# used in the synthetic and exchange files: `kk`, `kelurahan_code`).
PERSON_COLUMNS = {
    "id": "p.id", "nik": "p.nik", "family_id": "p.family_id", "kk": "f.kk", "name": "p.name", "name_key": "p.name_key",
    "sex": "p.sex", "birth_place": "p.birth_place", "birth_date": "p.birth_date", "blood_type": "p.blood_type",
    "religion": "p.religion", "marital_status": "p.marital_status", "relation": "p.relation",
    "disability": "p.disability", "education": "p.education", "occupation": "p.occupation",
    "citizenship": "p.citizenship", "father_name": "p.father_name", "father_nik": "p.father_nik",
    "mother_name": "p.mother_name", "mother_nik": "p.mother_nik", "status": "p.status", "death_date": "p.death_date",
    "birth_cert_no": "p.birth_cert_no", "death_cert_no": "p.death_cert_no", "marriage_cert_no": "p.marriage_cert_no",
    "ktp_state": "p.ktp_state", "kia_issued_on": "p.kia_issued_on", "ikd_activated_on": "p.ikd_activated_on",
    "kelurahan_code": "f.kelurahan_code", "rw": "f.rw", "rt": "f.rt", "street": "f.street",
}
DATE_COLUMNS = {"birth_date", "death_date", "kia_issued_on", "ikd_activated_on", "issued_on", "printed_on"}


def _adbc_connect():
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as pg

        host = db.get("HOST") or "localhost"
        port = db.get("PORT") or 5432
        auth = db.get("USER") or ""
        if db.get("PASSWORD"):
            auth += ":" + db["PASSWORD"]
        uri = f"postgresql://{auth + '@' if auth else ''}{host}:{port}/{db['NAME']}"
        return pg.connect(uri)
    import adbc_driver_sqlite.dbapi as sqlite

    return sqlite.connect(str(db["NAME"]))


def fetch_arrow(sql: str) -> pa.Table:
    """Run one read-only SQL statement on the operational database; return Arrow."""
    if connection.vendor != "postgresql":
        return _fix_types(_fetch_sqlite_in_child(sql))
    with contextlib.closing(_adbc_connect()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        table = cur.fetch_arrow_table()
    return _fix_types(table)


def _fetch_sqlite_in_child(sql: str) -> pa.Table:
    # Why a child process: the ADBC driver carries its own copy of SQLite. Two SQLite
    # libraries in one process break SQLite's POSIX locking: closing the ADBC handle
    # drops the locks Django's connection holds on the same file, and the ADBC
    # connection, believing itself the last one, checkpoints and DELETES the WAL under
    # Django's open connection (seen here: later writes invisible to new connections,
    # then "disk I/O error"). In a child process it is just another reader.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(settings.DATABASES["default"]["NAME"])],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        proc.stdin.write(sql.encode())
        proc.stdin.close()
        try:
            table = pa.ipc.open_stream(proc.stdout).read_all()
        except pa.ArrowInvalid:
            table = None
        proc.stdout.close()
        if proc.wait() != 0 or table is None:
            err.seek(0)
            raise RuntimeError(f"SQLite read failed: {err.read().decode(errors='replace').strip()[-2000:]}")
    return table


# The child: SQL on stdin, an Arrow IPC stream on stdout. Only pyarrow and the driver
# are imported, so it starts in a fraction of a second.
_CHILD = """
import sys, pyarrow as pa, adbc_driver_sqlite.dbapi as sqlite
conn = sqlite.connect(sys.argv[1])
cur = conn.cursor()
cur.execute(sys.stdin.read())
reader = cur.fetch_record_batch()
with pa.ipc.new_stream(sys.stdout.buffer, reader.schema) as out:
    for batch in reader:
        out.write_batch(batch)
cur.close()
conn.close()
"""


def fetch_arrow_django(sql: str) -> pa.Table:
    """The same through Django's connection (slow; for tests inside a transaction)."""
    with connection.cursor() as cur:
        cur.execute(sql)
        names = [c[0] for c in cur.description]
        rows = cur.fetchall()
    return _fix_types(pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}))


def _fix_types(table: pa.Table) -> pa.Table:
    # SQLite returns dates as text; give every date column a real date type.
    for name in table.column_names:
        if name in DATE_COLUMNS and not pa.types.is_date(table.schema.field(name).type):
            col = table.column(name)
            if pa.types.is_null(col.type):
                col = pa.nulls(len(col), pa.date32())
            elif pa.types.is_timestamp(col.type):
                col = col.cast(pa.date32())
            else:
                col = pa.compute.cast(col.cast(pa.string()), pa.date32())
            table = table.set_column(table.column_names.index(name), name, col)
    return table


def persons_table(columns: Iterable[str], where: str = "") -> pa.Table:
    """Persons joined with their family's address, only the columns asked for."""
    cols = list(columns)
    unknown = set(cols) - set(PERSON_COLUMNS)
    if unknown:
        raise ValueError(f"unknown register columns: {sorted(unknown)}")
    select = ", ".join(f"{PERSON_COLUMNS[c]} AS {c}" for c in cols)
    join = " JOIN registry_family f ON f.id = p.family_id" if any(PERSON_COLUMNS[c].startswith("f.") for c in cols) else ""
    return fetch_arrow(f"SELECT {select} FROM registry_person p{join}{' WHERE ' + where if where else ''}")


def families_table(columns: Iterable[str] = ("id", "kk", "kelurahan_code", "rw", "rt", "street", "issued_on",
                                              "printed_on")) -> pa.Table:
    return fetch_arrow(f"SELECT {', '.join(columns)} FROM registry_family")


def regions_table() -> pa.Table:
    return fetch_arrow("SELECT code, level, name, parent_id AS parent_code FROM regions_region")


@contextlib.contextmanager
def duck(**tables: pa.Table) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with the given Arrow tables registered by name."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        yield con
    finally:
        con.close()

