"""API plumbing shared by every router: token authentication, JSON errors, purpose.

Every error leaves the API as `{"code": ..., "message": ...}` with a message in Bahasa
Indonesia (`install_error_handlers`, called once on the NinjaAPI object in
adminduk/api.py). Authentication is `Authorization: Bearer <token>` (accounts.tokens);
every call, refused or not, writes an audit row.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from adminduk.audit.actions import client_ip, record

from . import tokens

router = Router(tags=["accounts"])


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class ErrorOut(Schema):
    code: str
    message: str


# What each error answers, for the OpenAPI description of every endpoint.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class TokenAuth(HttpBearer):
    """Bearer token → `request.auth` is an `accounts.tokens.Principal`."""

    openapi_description = "Token API dari Dukcapil: `Authorization: Bearer adk_xxxxxxxx_…`"

    def __call__(self, request):
        # HttpBearer answers None (a bare 401) for a missing or malformed header; we
        # want to tell the caller which, and audit it.
        return self.authenticate(request, request.headers.get("Authorization", ""))

    def authenticate(self, request, token):
        scheme, _, value = (token or "").partition(" ")
        if not token:
            raise tokens.TokenError("token_missing", "Token tidak ada: kirim header 'Authorization: Bearer <token>'.")
        if scheme.lower() != "bearer" or not value:
            raise tokens.TokenError("token_invalid", "Header Authorization harus berbentuk 'Bearer <token>'.")
        return tokens.authenticate(value)


token_auth = TokenAuth()


def purpose_of(request, given: str | None = None) -> str:
    """The purpose of the call (UU 27/2022 Pasal 31): `X-Purpose` header or a parameter."""
    purpose = (given or request.headers.get("X-Purpose") or "").strip()
    if not purpose:
        raise ApiError(400, "purpose_required",
                       "Tujuan akses wajib diisi: header 'X-Purpose' atau parameter 'purpose'.")
    if len(purpose) > 200:
        raise ApiError(400, "purpose_too_long", "Tujuan akses paling panjang 200 karakter.")
    return purpose


def require_scope(request, scope: str, endpoint: str) -> None:
    principal = request.auth
    if not principal.has_scope(scope):
        record(principal, "api.scope_refused", object_type="api", purpose=f"panggilan {endpoint}",
               query=f"scope={scope}", row_count=0, ip=client_ip(request), token_prefix=principal.prefix)
        raise ApiError(403, "scope_denied", f"Token ini tidak memiliki cakupan '{scope}'.")


def rate_limited(request) -> ApiError:
    principal = request.auth
    return ApiError(429, "rate_limited",
                    f"Batas {principal.rate_limit_per_minute} permintaan per menit untuk token ini terlampaui; "
                    "coba lagi pada menit berikutnya.")


# --- JSON errors ------------------------------------------------------------------------

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 422: "validation_error", 429: "rate_limited"}
_STATUS_MESSAGES = {400: "Permintaan tidak valid.", 401: "Token tidak valid.", 403: "Akses ditolak.",
                    404: "Data tidak ditemukan.", 405: "Metode HTTP tidak diizinkan.",
                    422: "Data permintaan tidak valid.", 429: "Terlalu banyak permintaan."}

_PYDANTIC_MESSAGES = {
    "missing": "wajib diisi",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "string_pattern_mismatch": "format tidak sesuai",
    "date_from_datetime_parsing": "harus tanggal berformat YYYY-MM-DD",
    "date_parsing": "harus tanggal berformat YYYY-MM-DD",
    "date_type": "harus tanggal berformat YYYY-MM-DD",
    "string_type": "harus berupa teks",
    "json_invalid": "JSON tidak valid",
    "extra_forbidden": "kolom tidak dikenal",
}


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "body"


def _validation_message(errors: list[dict]) -> str:
    return "; ".join(f"{_field_name(e.get('loc', ()))}: {_PYDANTIC_MESSAGES.get(e.get('type'), e.get('msg', ''))}"
                     for e in errors)


def install_error_handlers(api) -> None:
    def respond(request, status, code, message, **extra):
        return api.create_response(request, {"code": code, "message": message, **extra}, status=status)

    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, **exc.extra)

    def on_token_error(request, exc: tokens.TokenError):
        # Failed authentication is audited too (someone is probing the API).
        raw = request.headers.get("Authorization", "")
        parts = tokens._split(raw.partition(" ")[2].strip())
        caller = SimpleNamespace(pk=None, username=f"token:{parts[0]}" if parts else "(tanpa token)", role="")
        record(caller, "api.auth_failed", object_type="api", purpose=f"panggilan {request.path}",
               query=exc.code, row_count=0, ip=client_ip(request))
        return respond(request, 401, exc.code, exc.message)

    def on_validation(request, exc: ValidationError):
        errors = [{"field": _field_name(e.get("loc", ())), "type": e.get("type", "")} for e in exc.errors]
        return respond(request, 422, "validation_error", _validation_message(exc.errors), errors=errors)

    def on_http_error(request, exc: HttpError):
        status = exc.status_code
        if isinstance(exc, AuthenticationError):
            return respond(request, 401, "token_invalid", "Token tidak valid.")
        message = _STATUS_MESSAGES.get(status, str(exc))
        if status == 400 and "JSON" in str(exc):
            message = "Badan permintaan bukan JSON yang valid."
        return respond(request, status, _STATUS_CODES.get(status, "error"), message)

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(tokens.TokenError, on_token_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, lambda request, exc: respond(request, 404, "not_found", "Data tidak ditemukan."))
    api.add_exception_handler(PermissionDenied, lambda request, exc: respond(request, 403, "forbidden",
                                                                               str(exc) or "Akses ditolak."))


# --- /api/accounts ----------------------------------------------------------------------

class TokenInfoOut(Schema):
    institution: str
    username: str
    scopes: list[str]
    allowed_fields: list[str]
    rate_limit_per_minute: int


@router.get("/token", auth=token_auth, response={200: TokenInfoOut, **ERRORS}, summary="Token yang sedang dipakai")
def token_info(request):
    """What this token may do: its institution, scopes, allowed fields and rate limit."""
    p = request.auth
    record(p, "api.token.info", object_type="api", purpose="informasi token", row_count=0, ip=client_ip(request),
           token_prefix=p.prefix)
    return {"institution": p.institution, "username": p.username, "scopes": sorted(p.scopes),
            "allowed_fields": list(p.allowed_fields), "rate_limit_per_minute": p.rate_limit_per_minute}
