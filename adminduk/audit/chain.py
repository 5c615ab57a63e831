"""Verifying the hash chain: streaming, one pass, no ORM objects.

`verify()` walks the log in `seq` order and recomputes every hash. A row that was
changed fails its own hash; a deleted row leaves a gap in `seq` and a `prev_hash`
that no longer matches; swapped or inserted rows break `prev_hash` (and their own hash,
unless the attacker recomputed every hash after them — which is why the head is also
printed in reports and can be checked with `expect_head`). The NIK index
(AuditSubject, used by "who accessed this person") is checked against the hashed `niks`
of each row in two set-based queries.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.db import connection

from .actions import GENESIS_HASH, canonical_text
from .models import ChainCheck

_COLUMNS = ("id", "seq", "at", "user_id_ref", "username", "role", "action", "object_type", "niks", "query",
            "row_count", "purpose", "ip", "token_prefix", "prev_hash", "hash")
_BATCH = 20_000


@dataclass
class Result:
    ok: bool
    rows: int
    head_seq: int | None
    head_hash: str
    broken_seq: int | None = None
    message: str = ""
    seconds: float = 0.0


def head() -> tuple[int, str] | None:
    with connection.cursor() as cur:
        cur.execute("SELECT seq, hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1")
        row = cur.fetchone()
    return (row[0], row[1]) if row else None


# `at` as the hash's text (ISO 8601, microseconds, UTC offset), computed by the database:
# SQLite keeps naive UTC text ("2026-11-28 04:08:38.123456", microseconds left out when
# zero); PostgreSQL formats its timestamptz in UTC.
_AT_SQLITE = "CAST(at AS TEXT)"
_AT_POSTGRES = "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def _at_from_sqlite_text(value: str) -> str:
    return f"{value[:10]}T{value[11:19]}{value[19:] or '.000000'}+00:00"


def _stream(cur):
    """Rows in seq order, fetched in batches (a server-side cursor on PostgreSQL)."""
    at = _AT_POSTGRES if connection.vendor == "postgresql" else _AT_SQLITE
    columns = ", ".join(at if c == "at" else c for c in _COLUMNS)
    cur.execute(f"SELECT {columns} FROM audit_auditentry ORDER BY seq")
    while rows := cur.fetchmany(_BATCH):
        yield from rows


def _check_chain(rows) -> tuple[int, int | None, str, int | None, str]:
    """(rows, head seq, head hash, first broken seq, message)."""
    sqlite = connection.vendor == "sqlite"
    sha256 = hashlib.sha256
    expected_prev, expected_seq, count, last = GENESIS_HASH, 1, 0, (None, "")
    for (_id, seq, at, user_id_ref, username, role, action, object_type, niks, query, row_count, purpose, ip,
         token_prefix, prev_hash, digest) in rows:
        count += 1
        if seq > expected_seq:
            return count, *last, expected_seq, (f"entri #{expected_seq} hilang: setelah #{expected_seq - 1} "
                                                f"langsung #{seq} (entri dihapus)")
        if seq != expected_seq:
            return count, *last, seq, f"entri #{seq}: nomor urut diharapkan {expected_seq} (entri disisipkan)"
        if prev_hash != expected_prev:
            return count, *last, seq, f"entri #{seq}: prev_hash tidak cocok dengan hash entri sebelumnya " \
                                      "(entri dihapus, disisipkan atau diurutkan ulang)"
        text = canonical_text(seq, _at_from_sqlite_text(at) if sqlite else at, user_id_ref, username, role, action,
                              object_type, niks, query, row_count, purpose, ip, token_prefix, prev_hash)
        if sha256(text.encode()).hexdigest() != digest:
            return count, *last, seq, f"entri #{seq}: isi entri tidak cocok dengan hash-nya (entri diubah)"
        expected_prev, expected_seq, last = digest, seq + 1, (seq, digest)
    return count, *last, None, ""


def _check_subjects() -> tuple[int | None, str]:
    """The NIK index must hold exactly the NIKs in each row's hashed `niks`."""
    if connection.vendor == "postgresql":
        contains = "strpos(' ' || e.niks || ' ', ' ' || s.nik || ' ') > 0"
        nik_count = "CASE WHEN e.niks = '' THEN 0 ELSE length(e.niks) - length(replace(e.niks, ' ', '')) + 1 END"
    else:
        contains = "instr(' ' || e.niks || ' ', ' ' || s.nik || ' ') > 0"
        nik_count = "CASE WHEN e.niks = '' THEN 0 ELSE length(e.niks) - length(replace(e.niks, ' ', '')) + 1 END"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(e.seq) FROM audit_auditsubject s LEFT JOIN audit_auditentry e ON e.id = s.entry_id "
            f"WHERE e.id IS NULL OR NOT ({contains})"
        )
        foreign = cur.fetchone()[0]
        cur.execute(
            "SELECT min(e.seq) FROM audit_auditentry e LEFT JOIN "
            "(SELECT entry_id, count(*) AS n FROM audit_auditsubject GROUP BY entry_id) c ON c.entry_id = e.id "
            f"WHERE coalesce(c.n, 0) <> {nik_count}"
        )
        miscounted = cur.fetchone()[0]
    broken = min((s for s in (foreign, miscounted) if s is not None), default=None)
    if broken is None:
        with connection.cursor() as cur:  # an index row pointing at no entry at all
            cur.execute("SELECT count(*) FROM audit_auditsubject s LEFT JOIN audit_auditentry e "
                        "ON e.id = s.entry_id WHERE e.id IS NULL")
            if cur.fetchone()[0]:
                return -1, "indeks NIK memuat baris tanpa entri audit"
        return None, ""
    return broken, f"entri #{broken}: indeks NIK (subjek audit) tidak cocok dengan NIK yang tercatat di entri"


def verify(expect_head: tuple[int, str] | None = None, save: bool = True) -> Result:
    """Recompute the whole chain. `expect_head` = (seq, hash) printed earlier in a report."""
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        # A named (server-side) cursor streams without holding a million rows in memory.
        connection.ensure_connection()
        with connection.connection.transaction(), connection.connection.cursor(name="audit_verify") as cur:
            cur.itersize = _BATCH
            count, head_seq, head_hash, broken, message = _check_chain(_stream(cur))
    else:
        with connection.cursor() as cur:
            count, head_seq, head_hash, broken, message = _check_chain(_stream(cur))
    if broken is None:
        broken, message = _check_subjects()
    if broken is None and expect_head is not None:
        seq, digest = expect_head
        with connection.cursor() as cur:
            cur.execute("SELECT hash FROM audit_auditentry WHERE seq = %s", [seq])
            row = cur.fetchone()
        if row is None or row[0] != digest:
            broken = seq
            message = (f"entri #{seq}: hash tidak sama dengan kepala rantai yang dicetak sebelumnya "
                       f"(rantai ditulis ulang)" if row else f"entri #{seq} dari kepala rantai yang dicetak hilang")
    result = Result(ok=broken is None, rows=count, head_seq=head_seq, head_hash=head_hash, broken_seq=broken,
                    message=message or "rantai utuh", seconds=time.perf_counter() - start)
    if save:
        ChainCheck.objects.create(ok=result.ok, rows=result.rows, head_seq=result.head_seq,
                                  head_hash=result.head_hash or "", broken_seq=result.broken_seq,
                                  message=result.message, seconds=result.seconds)
    return result


def last_check() -> ChainCheck | None:
    return ChainCheck.objects.order_by("-at", "-id").first()
