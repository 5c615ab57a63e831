"""Every state change of the elections app: one named function each, audited.

The batch work (DuckDB) happens first and writes complete files; the database rows and
the audit row are then written in one transaction, so a job that dies leaves no
extract or reconciliation behind (only an unreferenced directory at worst).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adminduk.audit.actions import record as audit_record

from . import dp4
from .eligibility import MODEL_A_FIELDS
from .models import Election, Extract, ExtractCopy, Reconciliation, ReconciliationCount

DEFAULT_RECIPIENT = "KPU Provinsi DKI Jakarta"


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "alasan/tujuan wajib diisi"})


def semester_version(on: dt.date) -> str:
    return f"{on.year}-S{1 if on.month <= 6 else 2}"


def _next_version(election: Election, base: str) -> str:
    taken = set(election.extracts.filter(version__startswith=base).values_list("version", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _kecamatan_names() -> dict[str, str]:
    from adminduk.regions.models import Region

    return dict(Region.objects.kecamatan().values_list("code", "name"))


def do_create_extract(election: Election, *, actor, reason: str, version: str | None = None,
                      recipient: str = DEFAULT_RECIPIENT, recipient_user=None, out: Path | None = None,
                      fields: tuple[str, ...] = MODEL_A_FIELDS, progress=None,
                      snapshot: Path | None = None) -> tuple[Extract, ExtractCopy]:
    """Extract the DP4 for `election` from the register (or from a register snapshot in
    the exchange format, `dp4.snapshot_register`) and hand a copy to `recipient`.

    The internal result (eligible rows, exclusions with reasons) is kept under
    EXPORT_DIR/dp4/<election>/<version>; the recipient's fingerprinted copy goes to
    `out` (default: the copies directory of the extract)."""
    _require_reason(reason)
    if version is not None and election.extracts.filter(version=version).exists():
        raise ValidationError({"version": f"versi {version} untuk {election.slug} sudah ada"})
    version = version or _next_version(election, semester_version(timezone.localdate()))
    internal = Path(settings.EXPORT_DIR) / "dp4" / election.slug / version
    if internal.exists():
        shutil.rmtree(internal)  # left by a job that died before its rows were written
    started = time.perf_counter()

    def clock(message: str) -> None:
        if progress:
            progress(f"[{time.perf_counter() - started:7.1f} s] {message}")

    with dp4.duck_session() as con:
        if snapshot is not None:
            try:
                n = dp4.snapshot_register(con, Path(snapshot))
            except (FileNotFoundError, ValueError) as exc:
                raise ValidationError({"snapshot": str(exc)}) from exc
            clock(f"snapshot register: {n:,} penduduk ({snapshot})")
        else:
            n = dp4.database_register(con)
            clock(f"register dibaca: {n:,} penduduk")
        # eligible.parquet is written in the background, beside the first copy (both
        # cores busy throughout), and complete before the extract's rows are committed.
        result = dp4.compute_extract(con, election.polling_day, internal, n, _kecamatan_names(), background=True)
        clock(f"kelayakan dihitung: {result.eligible:,} pemilih; pengecualian dan DAK2 ditulis")
        try:
            with transaction.atomic():
                extract = Extract.objects.create(
                    election=election, version=version, created_by=_user(actor), path=str(internal),
                    eligible=result.eligible, eligible_men=result.eligible_men, eligible_women=result.eligible_women,
                    excluded=result.excluded, dak2=result.dak2)
                source = f"snapshot={snapshot}" if snapshot is not None else "register"
                audit_record(actor, "dp4.extract", object_type="dp4", purpose=reason,
                             query=f"election={election.slug} version={version} source={source}",
                             row_count=result.eligible)
                copy = do_hand_over_copy(extract, recipient=recipient, recipient_user=recipient_user, actor=actor,
                                         reason=reason, out=out, fields=fields, _rows=result.rows)
                result.wait()
        finally:
            with contextlib.suppress(Exception):
                result.wait()  # an error is raised above; never leave the writer running
        result.rows = None
        clock(f"salinan untuk {copy.recipient} ditulis (CSV, Parquet, manifes)")
    return extract, copy


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def do_hand_over_copy(extract: Extract, *, recipient: str, actor, reason: str, recipient_user=None,
                      out: Path | None = None, fields: tuple[str, ...] = MODEL_A_FIELDS,
                      _rows=None) -> ExtractCopy:
    """Write a fingerprinted copy of an extract for one recipient, with its manifest."""
    _require_reason(reason)
    if not recipient or not recipient.strip():
        raise ValidationError({"recipient": "penerima wajib diisi"})
    unknown = set(fields) - set(MODEL_A_FIELDS)
    if unknown or "nik" not in fields:
        raise ValidationError({"fields": f"kolom harus bagian dari Model A dan memuat nik: {sorted(unknown)}"})
    key = secrets.token_hex(16)
    with transaction.atomic():
        copy = ExtractCopy.objects.create(extract=extract, recipient=recipient.strip(), recipient_user=recipient_user,
                                          created_by=_user(actor), fingerprint_key=key, path="")
        out = Path(out) if out else Path(extract.path) / "copies" / f"{copy.pk}"
        files = dp4.write_copy(Path(extract.path), out, key, fields=fields, rows=_rows)
        manifest = {
            "dokumen": "DP4 (Data Penduduk Potensial Pemilih Pemilu)",
            "pemilihan": {"kode": extract.election.slug, "nama": extract.election.name,
                          "hari_pemungutan_suara": extract.election.polling_day.isoformat(),
                          "tanggal_batas_data": extract.election.cutoff_date.isoformat()},
            "versi": extract.version,
            "salinan": copy.pk,
            "penerima": copy.recipient,
            "dibuat_oleh": getattr(actor, "username", None) or "sistem",
            "dibuat_pada": timezone.now().isoformat(timespec="seconds"),
            "tujuan": reason,
            "kolom": list(fields),
            "jumlah": {"pemilih": extract.eligible, "laki_laki": extract.eligible_men,
                       "perempuan": extract.eligible_women, "tidak_masuk_per_alasan": extract.excluded},
            "berkas": files,
            "penanda": "salinan ini bertanda khusus penerima; kebocoran dapat ditelusuri (skema fp1)",
        }
        dp4.write_manifest(out, manifest)
        copy.path, copy.manifest = str(out), manifest
        copy.save(update_fields=["path", "manifest"])
        audit_record(actor, "dp4.export", object_type="dp4", purpose=reason,
                     query=f"extract={extract.pk} copy={copy.pk} recipient={copy.recipient}",
                     row_count=extract.eligible)
    return copy


def do_record_reconciliation(election: Election, *, actor, reason: str, list_name: str, list_sha256: str,
                             path: Path, result, seconds: float) -> Reconciliation:
    """Store a finished reconciliation's counts and per-kelurahan summary (one transaction)."""
    _require_reason(reason)
    with transaction.atomic():
        run = Reconciliation.objects.create(
            election=election, list_name=list_name, list_sha256=list_sha256, created_by=_user(actor), path=str(path),
            rows=result.rows, unreadable=result.unreadable, matched=result.matched, counts=result.counts,
            seconds=round(seconds, 2))
        ReconciliationCount.objects.bulk_create(
            [ReconciliationCount(reconciliation=run, kelurahan_code=k, category=c, count=n)
             for (k, c), n in result.per_kelurahan.items()], batch_size=2000)
        audit_record(actor, "kpu.reconcile", object_type="kpu_list", purpose=reason,
                     query=f"election={election.slug} list={list_name} sha256={list_sha256[:16]}",
                     row_count=result.rows)
    return run


def do_reconcile(election: Election, list_path: Path, *, actor, reason: str, out: Path | None = None,
                 list_name: str | None = None, progress=None) -> Reconciliation:
    """Read a KPU list, reconcile it with the register, write the findings and record the run."""
    from . import reconcile

    _require_reason(reason)
    started = time.perf_counter()
    list_path = Path(list_path)
    if out is None:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        out = Path(settings.EXPORT_DIR) / "kpu" / election.slug / f"{stamp}-{secrets.token_hex(3)}"
    result = reconcile.reconcile_file(election.polling_day, list_path, Path(out), progress=progress)
    return do_record_reconciliation(election, actor=actor, reason=reason, list_name=list_name or list_path.name,
                                    list_sha256=dp4.sha256_file(list_path), path=Path(out), result=result,
                                    seconds=time.perf_counter() - started)
