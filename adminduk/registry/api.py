"""Partner API of the register: NIK verification and person lookup.

Each call: token (accounts.api.TokenAuth) → scope → purpose → one transaction holding
the audit chain lock in which the rate limit is counted, the register is read through
the choke point (registry.api_queries) and the audit row is appended; one commit.
"""

import datetime as dt

from django.http import JsonResponse
from ninja import Field, Path, Router, Schema

from adminduk.accounts.api import ERRORS, ApiError, purpose_of, rate_limited, require_scope, token_auth
from adminduk.accounts.tokens import VERIFY_FIELDS, counted_call
from adminduk.audit.actions import client_ip, record

from . import api_queries
from .queries import NotFound, OutOfJurisdiction

router = Router(tags=["registry"], auth=token_auth)

NIK_PATTERN = r"^\d{16}$"


class VerifyIn(Schema):
    nik: str = Field(..., pattern=NIK_PATTERN, description="NIK, 16 angka", examples=["3171014703850001"])
    name: str | None = Field(None, min_length=1, max_length=120, description="nama lengkap seperti tertulis")
    birth_date: dt.date | None = Field(None, description="tanggal lahir, YYYY-MM-DD")
    birth_place: str | None = Field(None, min_length=1, max_length=60)
    mother_name: str | None = Field(None, min_length=1, max_length=120, description="nama ibu kandung")
    kelurahan_code: str | None = Field(None, pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
    purpose: str | None = Field(None, max_length=200, description="tujuan (atau header X-Purpose)")


class VerifyOut(Schema):
    nik: str = Field(..., description="found / not_found")
    fields: dict[str, str] = Field(..., description="per kolom: match / no_match (nilai tersimpan tidak dibuka)")


class PersonOut(Schema):
    person: dict[str, str | None] = Field(..., description="hanya kolom yang diizinkan untuk token ini")


def _locked_call(request, purpose: str, work):
    """Rate count + audit row of the call in one transaction under the chain lock (one
    statement on PostgreSQL); the data leaves only if the call was within the limit."""
    principal, ip = request.auth, client_ip(request)
    refusal = {"action": "api.rate_limited", "object_type": "api", "query": request.path}
    error = result = None
    with counted_call(principal, read_access=True, refusal=refusal) as meter:
        if meter.within_limit is False:  # counted first (SQLite) and over the limit
            record(principal, refusal["action"], object_type="api", purpose=purpose, query=request.path,
                   row_count=0, ip=ip, token_prefix=principal.prefix)
        else:
            try:
                result = work(principal, ip)
            except NotFound:
                error = ApiError(404, "not_found", "NIK tidak ditemukan.")
            except OutOfJurisdiction:
                error = ApiError(403, "out_of_jurisdiction", "NIK di luar wilayah kerja pemilik token.")
    # After the block: the audit row (of the call or of its refusal) is committed.
    if not meter.within_limit:
        raise rate_limited(request)
    if error is not None:
        raise error
    return result


@router.post("/verify", response={200: VerifyOut, **ERRORS}, summary="Verifikasi NIK")
def verify(request, payload: VerifyIn):
    """Does this NIK match this name, birth date (and other fields)? Answers `match` or
    `no_match` per field sent, never the stored values. Scope `registry.verify`; each
    field sent must be in the token's allowed fields. Names are compared tolerant of
    spelling variants (Muhammad / Muhamad / Moh., Soejono / Suyono)."""
    require_scope(request, "registry.verify", "verify")
    purpose = purpose_of(request, payload.purpose)
    claims = {name: getattr(payload, name) for name in VERIFY_FIELDS if getattr(payload, name) is not None}
    if not claims:
        raise ApiError(422, "validation_error", "Kirim minimal satu kolom untuk dicocokkan: "
                       + ", ".join(VERIFY_FIELDS) + ".")
    refused = [name for name in claims if name not in request.auth.allowed_fields]
    if refused:
        raise ApiError(403, "field_not_allowed",
                       f"Kolom {', '.join(refused)} tidak diizinkan untuk token ini.")
    row = api_queries.verify_row(payload.nik)  # before the chain lock (see api_queries)
    return _locked_call(request, purpose, lambda principal, ip: api_queries.verify_identity(
        principal, payload.nik, claims, purpose=purpose, ip=ip, token_prefix=principal.prefix, row=row))


@router.get("/persons/{nik}", response={200: PersonOut, **ERRORS}, summary="Data penduduk menurut NIK")
def person(request, nik: str = Path(..., pattern=NIK_PATTERN), purpose: str | None = None):
    """One resident by NIK, for staff tokens only (scope `registry.read`, a person-reading
    role): the token user's jurisdiction applies and only the token's allowed fields are
    returned. Purpose in `X-Purpose` or `?purpose=`."""
    require_scope(request, "registry.read", "persons")
    purpose = purpose_of(request, purpose)
    row = api_queries.person_row(nik)  # before the chain lock (see api_queries)
    person = _locked_call(request, purpose, lambda principal, ip: api_queries.api_get_person(
        principal, nik, purpose=purpose, ip=ip, token_prefix=principal.prefix, row=row))
    # The hot path of the API: the answer is built by the choke point from a fixed list of
    # text fields, so it skips ninja's output validation (PersonOut documents it).
    return JsonResponse({"person": person})
