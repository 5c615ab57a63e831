"""Partner and staff API tokens: issue, verify, revoke, and the per-token rate limit.

A token looks like `adk_<prefix>_<secret>`. The database keeps the public prefix (to
find the row) and the SHA-256 of the whole token (to check it); the secret is shown
once, when issued. A token acts as its user (role and jurisdiction apply) narrowed by
its scopes (which endpoints) and its allowed fields (which data elements a response
may carry).

Rate limit: a fixed one-minute window per token, counted in the database (table
audit_apicallwindow, one row per token per minute, bumped by one upsert per call). In
the database so that it is exact across server workers and across hosts, at the cost
of one small write per call, made in the same transaction as the call's audit row (so
still one commit per call). An in-process cache would be faster but counts per worker
(the real limit would be N × the configured one) and forgets on restart; a shared
cache (Redis, memcached) would add a server this system does not otherwise need.
Counting the token's audit rows in the window would need no table, but costs a range
count of up to the limit on every call. A fixed window lets a client send up to 2× the
limit across a window boundary; acceptable for a per-minute quota.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from adminduk.audit.actions import chain_locked
from adminduk.audit.actions import metered as audit_metered
from adminduk.audit.actions import record as audit_record
from adminduk.db import hot_cursor

from .models import PERSON_READING_ROLES, ApiToken, User

TOKEN_PREFIX = "adk"
# Scopes: which endpoints a token may call.
SCOPES = {
    "registry.verify": "verifikasi NIK (cocok/tidak cocok, tanpa membuka data)",
    "registry.read": "membaca data penduduk (hanya token petugas, dalam wilayah kerja)",
    "elections.dp4": "mengunduh salinan DP4 yang diserahkan kepada akun ini (KPU)",
    "elections.lists": "mengirim daftar pemilih dan membaca ringkasan rekonsiliasinya (KPU)",
}
# Data elements a response may carry (the exchange schema of the register). The
# verification answer is per field too: a field not allowed is neither compared nor
# answered.
PERSON_FIELDS = (
    "nik", "kk", "name", "sex", "birth_date", "birth_place", "religion", "marital_status", "relation", "education",
    "occupation", "citizenship", "disability", "blood_type", "father_name", "father_nik", "mother_name",
    "mother_nik", "kelurahan_code", "rw", "rt", "street", "status", "death_date", "birth_cert_no",
    "death_cert_no", "marriage_cert_no", "ktp_state", "kia_issued_on", "ikd_activated_on",
)
VERIFY_FIELDS = ("name", "birth_date", "birth_place", "mother_name", "kelurahan_code")


class TokenError(Exception):
    """A token was refused; `code` is the API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Principal:
    """The caller of an API request: a token and the user it acts for.

    Duck-types the bits of `accounts.User` that `registry.queries` and `audit.record`
    use (pk, username, role, jurisdiction_code, in_jurisdiction), without loading the
    user through the ORM on every request.
    """

    token_id: int
    prefix: str
    institution: str
    pk: int
    username: str
    role: str
    area_id: str | None
    is_active: bool
    scopes: frozenset
    allowed_fields: tuple
    rate_limit_per_minute: int

    @property
    def can_read_persons(self) -> bool:
        return self.is_active and self.role in PERSON_READING_ROLES

    @property
    def jurisdiction_code(self) -> str | None:
        if not self.can_read_persons or self.area_id is None:
            return None
        return self.area_id

    def in_jurisdiction(self, kelurahan_code: str) -> bool:
        code = self.jurisdiction_code
        return code is not None and (kelurahan_code == code or kelurahan_code.startswith(code + "."))

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    parts = token.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8 or not parts[2]:
        return None
    return parts[1], parts[2]


def _validate(scopes: list[str], fields: list[str], rate: int) -> None:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scopes: tidak dikenal {', '.join(unknown)} (pilihan: {', '.join(SCOPES)})"
                         if unknown else "scopes: minimal satu cakupan")
    unknown = sorted(set(fields) - set(PERSON_FIELDS))
    if unknown:
        raise ValueError(f"fields: kolom tidak dikenal {', '.join(unknown)} (pilihan: {', '.join(PERSON_FIELDS)})")
    if rate < 1 or rate > 1_000_000:
        raise ValueError("rate: batas per menit harus antara 1 dan 1000000")


def issue_token(user: User, *, institution: str, name: str, scopes: list[str], fields: list[str],
                rate_limit_per_minute: int = 600, expires_at: dt.datetime | None = None,
                actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token; return it and the secret (shown once, never stored)."""
    _validate(scopes, fields, rate_limit_per_minute)
    if "registry.read" in scopes and user.role not in PERSON_READING_ROLES:
        raise ValueError(f"scopes: registry.read hanya untuk pengguna petugas; peran {user.role!r} tidak boleh "
                         "membaca data perseorangan")
    if not institution.strip():
        raise ValueError("institution: nama instansi wajib diisi")
    with transaction.atomic():
        for _ in range(5):
            prefix = secrets.token_hex(4)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user, institution=institution.strip(), name=name or institution, prefix=prefix,
            secret_hash=_digest(secret), scopes=list(scopes), allowed_fields=list(fields),
            rate_limit_per_minute=rate_limit_per_minute, expires_at=expires_at)
        audit_record(actor, "api.token.issue", object_type="api_token", purpose="penerbitan token API",
                     query=f"token={prefix} user={user.username} scopes={','.join(scopes)} "
                           f"fields={','.join(fields)} rate={rate_limit_per_minute}")
    return token, secret


def revoke_token(prefix: str, *, actor: User | None = None, reason: str = "") -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(prefix=prefix)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor, "api.token.revoke", object_type="api_token", purpose=reason or "pencabutan token API",
                         query=f"token={prefix}")
    return token


_LOOKUP = (
    "SELECT t.id, t.prefix, t.institution, t.secret_hash, t.scopes, t.allowed_fields, t.rate_limit_per_minute, "
    "t.expires_at, t.revoked_at, u.id, u.username, u.role, u.area_id, u.is_active "
    "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.prefix = %s"
)


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _aware(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)  # SQLite keeps naive UTC text


def authenticate(raw: str | None) -> Principal:
    """The token in an `Authorization: Bearer …` header → Principal, or TokenError.

    One indexed query (raw SQL: this runs on every API request)."""
    if not raw:
        raise TokenError("token_missing", "Token tidak ada: kirim header 'Authorization: Bearer <token>'.")
    parts = _split(raw.strip())
    if parts is None:
        raise TokenError("token_invalid", "Token tidak valid.")
    with hot_cursor() as cur:
        cur.execute(_LOOKUP, [parts[0]])
        row = cur.fetchone()
    if row is None or not hmac.compare_digest(row[3], _digest(raw.strip())):
        raise TokenError("token_invalid", "Token tidak valid.")
    (token_id, prefix, institution, _, scopes, fields, rate, expires_at, revoked_at, user_id, username, role,
     area_id, is_active) = row
    if revoked_at is not None:
        raise TokenError("token_revoked", "Token sudah dicabut.")
    expires_at = _aware(expires_at)
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenError("token_expired", "Token sudah kedaluwarsa.")
    if not is_active:
        raise TokenError("token_invalid", "Pengguna pemilik token tidak aktif.")
    return Principal(token_id=token_id, prefix=prefix, institution=institution, pk=user_id, username=username,
                     role=role, area_id=area_id, is_active=bool(is_active), scopes=frozenset(_json(scopes)),
                     allowed_fields=tuple(_json(fields)), rate_limit_per_minute=rate)


def window_start(now: dt.datetime) -> dt.datetime:
    return now.replace(second=0, microsecond=0)


# The call is counted by the statement that takes the audit chain lock ({lock}, see
# audit.actions.chain_locked): one round trip for both. Same SQL on SQLite ≥ 3.35 and
# PostgreSQL; the row lock of the upsert makes count-and-check atomic across workers.
_BUMP = (
    # WHERE true: SQLite would read ON CONFLICT after a SELECT's FROM as a join's ON.
    "INSERT INTO audit_apicallwindow (token_prefix, window_start, calls) SELECT %s, %s, 1 FROM {lock} WHERE true "
    "ON CONFLICT (token_prefix, window_start) DO UPDATE SET calls = audit_apicallwindow.calls + 1 RETURNING calls"
)


@contextlib.contextmanager
def metered_call(principal: Principal, *, read_access: bool = False, now: dt.datetime | None = None):
    """The transaction of one API call whose endpoint decides after the count: the audit
    chain lock is taken and the call is counted in the token's current one-minute
    window (one statement). Yields True if the call is within the token's rate limit."""
    start = connection.ops.adapt_datetimefield_value(window_start(now or timezone.now()))
    with chain_locked(read_access=read_access, first=(_BUMP, [principal.prefix, start])) as row:
        _forget_old_windows(principal, start, row[0])
        yield row[0] <= principal.rate_limit_per_minute


@contextlib.contextmanager
def counted_call(principal: Principal, *, refusal: dict, read_access: bool = False, now: dt.datetime | None = None):
    """One API call counted against its token's rate limit, with its one audit row
    (audit.actions.metered: on PostgreSQL the count and the append are one statement).
    Yields the Meter; `meter.within_limit` is False on entry when already known to be
    over the limit (then the block records `refusal` and reads nothing), and is final
    after the block."""
    now = now or timezone.now()
    start = connection.ops.adapt_datetimefield_value(window_start(now))
    with audit_metered(count_sql=_BUMP, count_params=[principal.prefix, start], window_start=window_start(now),
                       limit=principal.rate_limit_per_minute, read_access=read_access, refusal=refusal) as meter:
        if meter.calls is not None:
            _forget_old_windows(principal, start, meter.calls)
        yield meter


def _forget_old_windows(principal: Principal, start, calls: int) -> None:
    if calls == 1:  # a new window opened: forget the old ones of this token
        with connection.cursor() as cur:
            cur.execute("DELETE FROM audit_apicallwindow WHERE token_prefix = %s AND window_start < %s",
                        [principal.prefix, start])
