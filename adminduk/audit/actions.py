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
_INSERT_WITH_SUBJECT = (
    "WITH e AS (" + _INSERT + ") INSERT INTO audit_auditsubject (entry_id, nik) SELECT id, %s FROM e RETURNING entry_id"
)
_HEAD = "SELECT seq, hash FROM audit_auditentry ORDER BY seq DESC LIMIT 1"


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


def _lock_chain(async_commit: bool = False) -> None:
    # Two writers must not both read the same head and append after it. SQLite
    # transactions here are IMMEDIATE (settings), which already serialises writers:
    # the write lock is taken at BEGIN, before the head is read.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            if async_commit:  # one round trip for both (see chain_locked)
                cur.execute("SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s)",
                            [_CHAIN_LOCK_ID])
            else:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


_local = threading.local()


@contextlib.contextmanager
def _sqlite_writers_queue():
    """Make SQLite writers wait in the kernel, not in SQLite's busy handler.

    Every API call appends an audit row, so gunicorn workers contend for SQLite's one
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
def chain_locked(*, read_access: bool = False):
    """A transaction holding the chain lock, for callers that must decide something
    and append in one step (the API's rate limit counts calls under this lock).

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
        if outer:
            _lock_chain(async_commit=read_access and top)
            connection.audit_chain_locked = True
        try:
            yield
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
    with chain_locked(), connection.cursor() as cur:
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
        if len(niks) == 1 and connection.vendor == "postgresql":
            # The common case (one person read) in one round trip: a data-modifying CTE.
            cur.execute(_INSERT_WITH_SUBJECT, [*values, niks[0]])
            entry_id = cur.fetchone()[0]
            niks_left = []
        else:
            cur.execute(_INSERT, values)
            entry_id = cur.fetchone()[0]
            niks_left = niks
        if len(niks_left) == 1:
            cur.execute(_INSERT_SUBJECT, [entry_id, niks_left[0]])
        elif niks_left:
            cur.executemany(_INSERT_SUBJECT, [(entry_id, n) for n in niks_left])
    entry = AuditEntry(id=entry_id, prev_hash=prev_hash, hash=digest, **fields)
    entry._state.adding = False
    return entry


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
