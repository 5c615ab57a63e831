"""Writing the audit log. The only code that inserts AuditEntry rows."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry, AuditSubject

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_ID = 0x4144_4D44  # "ADMD"

HASHED_FIELDS = ("seq", "at", "user_id_ref", "username", "role", "action", "object_type", "niks", "query",
                 "row_count", "purpose", "ip")


def entry_hash(fields: dict, prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the hashed fields and the previous hash."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    payload["at"] = fields["at"].astimezone(dt.UTC).isoformat(timespec="microseconds")
    payload["prev_hash"] = prev_hash
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def _lock_chain() -> None:
    # Two writers must not both read the same head and append after it. SQLite
    # transactions here are IMMEDIATE (settings), which already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


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
) -> AuditEntry:
    """Append one audit row. `user` may be None for system jobs (recorded as 'sistem')."""
    niks = list(dict.fromkeys(n for n in niks if n))
    with transaction.atomic():
        _lock_chain()
        head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        fields = {
            "seq": seq,
            "at": timezone.now(),
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
        }
        entry = AuditEntry.objects.create(**fields, prev_hash=prev_hash, hash=entry_hash(fields, prev_hash))
        if niks:
            AuditSubject.objects.bulk_create([AuditSubject(entry=entry, nik=n) for n in niks])
    return entry


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
