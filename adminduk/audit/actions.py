"""Writing the audit log. The only code that inserts AuditEntry rows.

The hot path (every API call and every page that shows a person writes one row) is
plain SQL through Django's connection: the ORM's query building costs about as much as
the whole insert (docs/RECIPES.md "Web layer").
"""

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import threading
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from adminduk.db import hot_cursor

from .models import AuditEntry

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_ID = 0x4144_4D44  # "ADMD"

HASHED_FIELDS = ("seq", "at", "user_id_ref", "username", "role", "action", "object_type", "niks", "query",
                 "row_count", "purpose", "ip")

_INSERT = (
    "INSERT INTO audit_auditentry (seq, at, user_id_ref, username, role, action, object_type, niks, query, "
    "row_count, purpose, ip, token_prefix, prev_hash, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
_INSERT_SUBJECT = "INSERT INTO audit_auditsubject (entry_id, nik) VALUES (%s, %s)"
_HEAD = "SELECT seq, hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1"


# PostgreSQL appends through a server-side function (migration 0003): lock, head, hash,
# insert in one statement. Its hashed text is `canonical_text`, built in SQL.
_APPEND_POSTGRES = ("SELECT * FROM adminduk_audit_append(%s::bigint, %s::text, %s::text, %s::text, %s::text, %s::text, "
                    "%s::text, %s::integer, %s::text, %s::text, %s::text, %s::text[], %s::boolean)")
_API_CALL_POSTGRES = ("SELECT * FROM adminduk_api_call(%s::timestamptz, %s::integer, %s::bigint, %s::text, %s::text, "
                      "%s::text, %s::text, %s::text, %s::text, %s::integer, %s::text, %s::text, %s::text, %s::text[], "
                      "%s::boolean, %s::text, %s::text, %s::text)")


def at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _reference_json(payload: dict, prev_hash: str) -> str:
    """The definition of the hashed text: canonical JSON (sorted keys, no spaces,
    UTF-8). `canonical_text` builds the same string ~3× faster; tests hold them equal."""
    payload = dict(payload)
    if not payload.get("token_prefix"):
        # Rows without a token hash exactly as before the field existed, so chains
        # written before migration 0002 still verify.
        payload.pop("token_prefix", None)
    payload["prev_hash"] = prev_hash
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_s = json.encoder.encode_basestring  # C-accelerated; what json.dumps(ensure_ascii=False) uses


def _n(value) -> str:
    return "null" if value is None else str(int(value))


def canonical_text(seq, at: str, user_id_ref, username, role, action, object_type, niks, query, row_count, purpose,
                   ip, token_prefix, prev_hash) -> str:
    """`_reference_json` of these fields, written out in sorted key order (the hot loop
    of `audit verify`: a million rows must verify in well under 30 s)."""
    token = f'"token_prefix":{_s(token_prefix)},' if token_prefix else ""
    return (f'{{"action":{_s(action)},"at":{_s(at)},"ip":{_s(ip)},"niks":{_s(niks)},'
            f'"object_type":{_s(object_type)},"prev_hash":{_s(prev_hash)},"purpose":{_s(purpose)},'
            f'"query":{_s(query)},"role":{_s(role)},"row_count":{_n(row_count)},"seq":{_n(seq)},{token}'
            f'"user_id_ref":{_n(user_id_ref)},"username":{_s(username)}}}')


def hash_payload(payload: dict, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of `payload` (with `at` already as UTC text)."""
    p = payload
    text = canonical_text(p["seq"], p["at"], p["user_id_ref"], p["username"], p["role"], p["action"],
                          p["object_type"], p["niks"], p["query"], p["row_count"], p["purpose"], p["ip"],
                          p.get("token_prefix", ""), prev_hash)
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(fields: dict, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the hashed fields and the previous hash."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = at_text(fields["at"])
    payload["token_prefix"] = fields.get("token_prefix", "")
    return hash_payload(payload, prev_hash)


def _lock_chain(async_commit: bool = False, first: tuple[str, list] | None = None):
    """Take the chain lock; with `first`, in the same statement as the caller's first one.

    `first` is (SQL, params) whose SQL has a `{lock}` placeholder in a FROM clause: the
    lock is a subquery there, so the database takes it before the statement's own work
    (one round trip where there were two). Returns `first`'s fetched row, or None.
    """
    # Two writers must not both read the same head and append after it. SQLite
    # transactions here are IMMEDIATE (settings), which already serialises writers:
    # the write lock is taken at BEGIN, before the head is read.
    if connection.vendor != "postgresql":
        return _run_first(first)
    # synchronous_commit for this transaction only; see chain_locked.
    lock = ("(SELECT CASE WHEN %s THEN set_config('synchronous_commit', 'off', true) END, "
            "pg_advisory_xact_lock(%s)) AS chain_lock")
    lock_params = [async_commit, _CHAIN_LOCK_ID]
    with hot_cursor() as cur:
        if first is None:
            cur.execute(f"SELECT 1 FROM {lock}", lock_params)
        else:
            # Positional parameters in text order: the caller's before {lock}, the
            # lock's, then the caller's after it.
            sql, params = first[0], list(first[1])
            before = sql[:sql.index("{lock}")].count("%s")
            cur.execute(sql.format(lock=lock), params[:before] + lock_params + params[before:])
        return cur.fetchone()


def _run_first(first: tuple[str, list] | None):
    """`first` without a lock subquery (SQLite, or the lock already held); its row."""
    if first is None:
        return None
    with hot_cursor() as cur:
        cur.execute(first[0].format(lock="(SELECT 1)"), first[1])
        return cur.fetchone()


_local = threading.local()


@contextlib.contextmanager
def _sqlite_writers_queue():
    """Make SQLite writers wait in the kernel, not in SQLite's busy handler.

    Every API call appends an audit row, so server workers contend for SQLite's one
    write lock all the time. SQLite's busy handler polls with sleeps of 1, 2, 5, 10 …
    ms, which turns a 0.2 ms wait into many milliseconds (measured: p99 > 100 ms with
    2 workers). An exclusive flock on a file next to the database queues the writers
    and wakes the next one as soon as the lock is released. Only taken by an outermost
    transaction: a caller already inside one holds SQLite's write lock (IMMEDIATE), and
    waiting for the flock then could deadlock with a flock holder waiting for SQLite.
    """
    path = f"{connection.settings_dict['NAME']}.writers.lock"
    handles = getattr(_local, "handles", None)
    if handles is None:
        handles = _local.handles = {}
    fh = handles.get(path)
    if fh is None:
        fh = handles[path] = open(path, "a")  # noqa: SIM115 - kept open for the thread's life
    fcntl.flock(fh, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def chain_locked(*, read_access: bool = False, first: tuple[str, list] | None = None):
    """A transaction holding the chain lock, for callers that must decide something
    and append in one step (the API's rate limit counts calls under this lock).
    Yields the row of `first` (see `_lock_chain`), run as the transaction's first
    statement, or None.

    `read_access=True` (the API's lookups, which change nothing in the register): on
    PostgreSQL the commit does not wait for the WAL flush (`synchronous_commit = off`
    for this transaction only). The chain lock is held until commit, so with a ~4 ms
    fsync every audited read would queue behind the previous one's flush (≤ 250
    requests/s); without the wait the flush is batched by the WAL writer. The trade-off
    is the one this project already makes for SQLite (`synchronous=NORMAL`): never a
    corrupt or forked chain, but an operating-system crash or power loss can lose the
    last fraction of a second of committed rows (at most 3 × wal_writer_delay, 0.6 s
    by default). Register writes never use it.
    """
    top = not connection.in_atomic_block  # this transaction is ours alone
    queue = contextlib.nullcontext()
    if top and connection.vendor == "sqlite" and not _is_memory_db():
        queue = _sqlite_writers_queue()
    # savepoint=False: nested in a caller's transaction, a failure here must fail the
    # whole transaction anyway, and savepoints cost two statements per audit row.
    with queue, transaction.atomic(savepoint=False):
        outer = not getattr(connection, "audit_chain_locked", False)
        row = None
        if outer:
            row = _lock_chain(async_commit=read_access and top, first=first)
            connection.audit_chain_locked = True
        else:  # the lock is already held by an enclosing block
            row = _run_first(first)
        try:
            yield row
        finally:
            if outer:
                connection.audit_chain_locked = False


def _is_memory_db() -> bool:
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


def record(
    user,
    action: str,
    *,
    purpose: str,
    object_type: str = "person",
    niks: Iterable[str] = (),
    query: str = "",
    row_count: int | None = None,
    ip: str = "",
    token_prefix: str = "",
) -> AuditEntry:
    """Append one audit row. `user` may be None for system jobs (recorded as 'sistem')."""
    niks = list(dict.fromkeys(n for n in niks if n))
    fields = {
        "user_id_ref": getattr(user, "pk", None),
        "username": getattr(user, "username", None) or "sistem",
        "role": getattr(user, "role", "") or "",
        "action": action,
        "object_type": object_type,
        "niks": " ".join(niks),
        "query": query,
        "row_count": row_count,
        "purpose": purpose,
        "ip": ip or "",
        "token_prefix": token_prefix,
    }
    if connection.vendor == "postgresql":
        return _record_postgres(fields, niks)
    with chain_locked(), hot_cursor() as cur:
        # The time is read under the lock, so `at` grows with `seq` (the auditor's date
        # filter relies on it) unless the clock itself steps back.
        fields["at"] = timezone.now()
        cur.execute(_HEAD)
        head = cur.fetchone()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        fields["seq"] = seq
        digest = entry_hash(fields, prev_hash)
        values = [
            seq, connection.ops.adapt_datetimefield_value(fields["at"]), fields["user_id_ref"], fields["username"],
            fields["role"], action, object_type, fields["niks"], query, row_count, purpose, fields["ip"],
            token_prefix, prev_hash, digest,
        ]
        cur.execute(_INSERT, values)
        entry_id = cur.fetchone()[0]
        if len(niks) == 1:
            cur.execute(_INSERT_SUBJECT, [entry_id, niks[0]])
        elif niks:
            cur.executemany(_INSERT_SUBJECT, [(entry_id, n) for n in niks])
    entry = AuditEntry(id=entry_id, prev_hash=prev_hash, hash=digest, **fields)
    entry._state.adding = False
    return entry


def _record_postgres(fields: dict, niks: list[str]) -> AuditEntry:
    """One statement: the server takes the chain lock, stamps `at` under it (so `at`
    grows with `seq` whatever the app servers' clocks say), hashes and appends. Inside
    a caller's transaction the lock is held until that transaction ends, as before."""
    meter = getattr(connection, "audit_meter", None)
    values = [fields["user_id_ref"], fields["username"], fields["role"], fields["action"], fields["object_type"],
              fields["niks"], fields["query"], fields["row_count"], fields["purpose"], fields["ip"],
              fields["token_prefix"], niks]
    with hot_cursor() as cur:
        if meter is None:
            cur.execute(_APPEND_POSTGRES, [*values, False])
            entry_id, seq, at, prev_hash, digest = cur.fetchone()
        else:
            # An API call whose rate count was deferred to this append (see `metered`).
            connection.audit_meter = None
            cur.execute(_API_CALL_POSTGRES, [meter.window_start, meter.limit, *values, meter.read_access,
                                             meter.refusal["action"], meter.refusal["object_type"],
                                             meter.refusal["query"]])
            calls, entry_id, seq, at, prev_hash, digest = cur.fetchone()
            meter.within_limit = calls <= meter.limit
            if not meter.within_limit:  # the row appended is the refusal, not the call
                fields = {**fields, **meter.refusal, "niks": "", "row_count": 0}
    entry = AuditEntry(id=entry_id, prev_hash=prev_hash, hash=digest, **{**fields, "seq": seq, "at": at})
    entry._state.adding = False
    return entry


class Meter:
    """A rate-counted API call (see `metered`). `within_limit` is None until known."""

    def __init__(self, *, window_start, limit: int, read_access: bool, refusal: dict):
        self.window_start, self.limit, self.read_access, self.refusal = window_start, limit, read_access, refusal
        self.within_limit: bool | None = None
        self.calls: int | None = None  # known on entry when counted first


@contextlib.contextmanager
def metered(*, count_sql: str, count_params: list, window_start, limit: int, read_access: bool, refusal: dict):
    """Count one API call against its token's limit and append its audit row, atomically.

    On PostgreSQL outside a transaction the count is deferred to the block's one audit
    append (`adminduk_api_call`: count, then append the call's row or, over the limit,
    the `refusal` row, all under the chain lock in one statement). Elsewhere the call is
    counted first, in the statement that takes the chain lock (`count_sql`, with a
    `{lock}` placeholder; see `chain_locked`), and `within_limit` is known on entry.
    Yields the Meter; after the block `within_limit` is set. The block must append
    exactly one audit row (on PostgreSQL, through `record`), and must not return data
    unless `within_limit` turns out True.
    """
    meter = Meter(window_start=window_start, limit=limit, read_access=read_access, refusal=refusal)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        connection.audit_meter = meter
        try:
            yield meter
        finally:
            left = connection.audit_meter
            connection.audit_meter = None
        if left is not None:
            raise RuntimeError("metered(): the block appended no audit row")
        return
    with chain_locked(read_access=read_access, first=(count_sql, count_params)) as row:
        meter.calls = row[0]
        meter.within_limit = meter.calls <= limit
        yield meter


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
