"""Partner API for KPU: fetch the DP4 copies handed to it, send a voter list, read the
summary of its reconciliation. Token auth (accounts.api), scopes `elections.dp4` and
`elections.lists`; every call is audited (downloads with their row count)."""

import tempfile
from pathlib import Path as FsPath

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from ninja import File, Form, Path, Router, Schema
from ninja.files import UploadedFile

from adminduk.accounts.api import ERRORS, ApiError, purpose_of, rate_limited, require_scope, token_auth
from adminduk.accounts.models import Role, User
from adminduk.accounts.tokens import metered_call
from adminduk.audit.actions import client_ip, record

from . import actions, queries
from .intake import ListFormatError
from .models import Election

router = Router(tags=["elections"], auth=token_auth)
MAX_LIST_BYTES = 2 << 30  # a DKI-wide DPT in CSV is ~1.2 GB


class CopyOut(Schema):
    id: int
    election: str
    version: str
    recipient: str
    rows: int
    created_at: str
    files: dict


class ReconciliationOut(Schema):
    id: int
    election: str
    list_name: str
    rows: int
    unreadable: int
    matched: int
    counts: dict[str, int]
    per_kota: dict[str, dict[str, int]]


def _kpu(request, scope: str, endpoint: str) -> str:
    require_scope(request, scope, endpoint)
    if request.auth.role != Role.KPU:
        raise ApiError(403, "forbidden", "Endpoint ini untuk akun KPU.")
    purpose = purpose_of(request)
    with metered_call(request.auth) as within_limit:
        if not within_limit:
            record(request.auth, "api.rate_limited", object_type="api", purpose=purpose, query=request.path,
                   row_count=0, ip=client_ip(request), token_prefix=request.auth.prefix)
            error = rate_limited(request)
        else:
            return purpose
    raise error


def _run_out(run) -> dict:
    per_kota: dict[str, dict[str, int]] = {}
    for code, category, n in run.kelurahan_counts.values_list("kelurahan_code", "category", "count"):
        kota = ".".join(code.split(".")[:2]) if code else "-"
        per_kota.setdefault(kota, {}).setdefault(category, 0)
        per_kota[kota][category] += n
    return {"id": run.pk, "election": run.election.slug, "list_name": run.list_name, "rows": run.rows,
            "unreadable": run.unreadable, "matched": run.matched, "counts": run.counts, "per_kota": per_kota}


@router.get("/dp4", response={200: list[CopyOut], **ERRORS}, summary="Salinan DP4 untuk akun ini")
def list_copies(request):
    purpose = _kpu(request, "elections.dp4", "dp4")
    copies = list(queries.copies_for(request.auth))
    record(request.auth, "dp4.copies.list", object_type="dp4", purpose=purpose, row_count=len(copies),
           ip=client_ip(request), token_prefix=request.auth.prefix)
    return [{"id": c.pk, "election": c.extract.election.slug, "version": c.extract.version, "recipient": c.recipient,
             "rows": c.extract.eligible, "created_at": c.created_at.isoformat(timespec="seconds"),
             "files": c.manifest.get("berkas", {})} for c in copies]


@router.get("/dp4/{copy_id}/{fmt}", response={200: None, **ERRORS}, summary="Unduh salinan DP4")
def download_copy(request, copy_id: int = Path(...), fmt: str = Path(..., pattern="^(csv|parquet|dak2|manifest)$")):
    """`fmt`: csv or parquet (Model A), dak2 (aggregates per kecamatan), manifest."""
    purpose = _kpu(request, "elections.dp4", "dp4")
    try:
        path = queries.copy_file_for(request.auth, copy_id, fmt, purpose=purpose, ip=client_ip(request),
                                     token_prefix=request.auth.prefix)
    except PermissionDenied as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"dp4-{copy_id}-{path.name}")


@router.post("/lists", response={201: ReconciliationOut, **ERRORS}, summary="Kirim daftar pemilih (CSV)")
def upload_list(request, election: Form[str], file: File[UploadedFile]):
    """A DPS/DPSHP/DPT list in Model A columns (`no_kk, nik, nama, ..., kelurahan, tps`).
    It is reconciled with the register at once; the answer is the summary."""
    purpose = _kpu(request, "elections.lists", "lists")
    target = Election.objects.filter(slug=election).first()
    if target is None:
        raise ApiError(422, "validation_error", f"election: pemilihan {election!r} tidak dikenal")
    if file.size > MAX_LIST_BYTES:
        raise ApiError(422, "validation_error", "file: berkas terlalu besar (maks. 2 GB)")
    actor = User.objects.get(pk=request.auth.pk)
    with tempfile.TemporaryDirectory() as tmp:
        path = FsPath(tmp) / "daftar.csv"
        with open(path, "wb") as fh:
            for chunk in file.chunks():
                fh.write(chunk)
        try:
            run = actions.do_reconcile(target, path, actor=actor, reason=purpose,
                                       list_name=f"{request.auth.institution}: {file.name}")
        except (ListFormatError, ValueError) as exc:
            raise ApiError(422, "validation_error", f"file: {exc}") from exc
    return 201, _run_out(run)


@router.get("/lists/{run_id}", response={200: ReconciliationOut, **ERRORS}, summary="Ringkasan rekonsiliasi")
def reconciliation_summary(request, run_id: int):
    purpose = _kpu(request, "elections.lists", "lists")
    run = queries.reconciliations_for_kpu(request.auth).filter(pk=run_id).first()
    if run is None:
        raise ApiError(404, "not_found", "Rekonsiliasi tidak ditemukan untuk akun ini.")
    record(request.auth, "kpu.summary.read", object_type="kpu_list", purpose=purpose, query=f"reconciliation={run.pk}",
           row_count=0, ip=client_ip(request), token_prefix=request.auth.prefix)
    return _run_out(run)
