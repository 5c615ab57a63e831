"""Permission-checked reads of voter data: one choke point per resource, each audited.

Person-level data (why a resident is not in an extract, a kelurahan's worklist of
findings) goes only to person-reading staff within their jurisdiction. The DPRD sees
aggregates with small counts suppressed. KPU sees the copies handed to it and the
summaries of the lists it sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from adminduk.accounts.models import Role
from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Region

from . import dp4
from .models import Category, ExclusionReason, Extract, ExtractCopy, Reconciliation

# Aggregates shown to the DPRD: a cell below this is shown as "< 10" (re-identification
# risk of small counts, UU 27/2022).
SUPPRESS_BELOW = 10
WORKLIST_LIMIT = 5000


def _require_purpose(purpose: str) -> None:
    if not purpose or not purpose.strip():
        raise PermissionDenied("tujuan akses wajib diisi")


def _require_person_reader(user) -> str:
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        raise PermissionDenied("peran ini tidak boleh membaca data perseorangan")
    return code


def can_see_summaries(user) -> bool:
    return getattr(user, "role", None) in (Role.DINAS, Role.SUDIN, Role.KECAMATAN, Role.KELURAHAN, Role.AUDITOR)


def extract_status_of(user, extract: Extract, nik: str, *, purpose: str, ip: str = "") -> dict:
    """Is this resident in the extract, and if not, why. Staff within jurisdiction only."""
    _require_purpose(purpose)
    code = _require_person_reader(user)
    excluded = dp4.exclusion_of(Path(extract.path), nik)
    if excluded is None:
        included = dp4.is_in_extract(Path(extract.path), nik)
        kelurahan = _kelurahan_in_extract(extract, nik) if included else None
        if included and not user.in_jurisdiction(kelurahan):
            audit_record(user, "dp4.status.refused", object_type="dp4", purpose=purpose, niks=[nik], row_count=0, ip=ip)
            raise PermissionDenied(f"NIK {nik} di luar wilayah kerja {code}")
        audit_record(user, "dp4.status", object_type="dp4", purpose=purpose, niks=[nik] if included else [],
                     query=f"extract={extract.pk} nik={nik}", row_count=int(included), ip=ip)
        message = (f"NIK {nik} termasuk dalam DP4 {extract.election.slug} versi {extract.version}" if included
                   else f"NIK {nik} tidak ada dalam register saat ekstrak {extract.version} dibuat")
        return {"nik": nik, "included": included, "reason": None, "message": message}
    if not user.in_jurisdiction(excluded["kelurahan"]):
        audit_record(user, "dp4.status.refused", object_type="dp4", purpose=purpose, niks=[nik], row_count=0, ip=ip)
        raise PermissionDenied(f"NIK {nik} di luar wilayah kerja {code}")
    audit_record(user, "dp4.status", object_type="dp4", purpose=purpose, niks=[nik],
                 query=f"extract={extract.pk} nik={nik}", row_count=1, ip=ip)
    label = ExclusionReason(excluded["reason"]).label
    return {"nik": nik, "included": False, "reason": excluded["reason"],
            "message": f"NIK {nik} tidak masuk DP4 {extract.election.slug} versi {extract.version}: {label}"}


def _kelurahan_in_extract(extract: Extract, nik: str) -> str:
    with dp4.duck_session() as con:
        row = con.execute(f"SELECT kelurahan FROM read_parquet({dp4._q(Path(extract.path) / 'eligible.parquet')}) "
                          "WHERE nik = ?", [nik]).fetchone()
    return row[0] if row else ""


@dataclass
class Worklist:
    kelurahan: Region
    rows: list[dict]
    truncated: bool


def worklist(user, run: Reconciliation, kelurahan_code: str, *, purpose: str, category: str | None = None,
             ip: str = "") -> Worklist:
    """The findings of one kelurahan, for the officers who follow them up."""
    _require_purpose(purpose)
    code = _require_person_reader(user)
    kelurahan = Region.objects.filter(code=kelurahan_code, level="kelurahan").first()
    if kelurahan is None:
        raise PermissionDenied(f"kelurahan {kelurahan_code} tidak dikenal")
    if not user.in_jurisdiction(kelurahan_code):
        audit_record(user, "kpu.worklist.refused", object_type="kpu_list", purpose=purpose,
                     query=f"reconciliation={run.pk} kelurahan={kelurahan_code}", row_count=0, ip=ip)
        raise PermissionDenied(f"kelurahan {kelurahan_code} di luar wilayah kerja {code}")
    if category is not None and category not in Category.values:
        raise ValueError(f"kategori {category!r} tidak dikenal")
    params = [kelurahan_code] + ([category] if category else [])
    with dp4.duck_session() as con:
        result = con.execute(
            f"SELECT row, nik, category, matched_nik, score, nama, detail "
            f"FROM read_parquet({dp4._q(Path(run.path) / 'findings.parquet')}) WHERE kelurahan = ?"
            f"{' AND category = ?' if category else ''} ORDER BY category, row NULLS LAST, matched_nik "
            f"LIMIT {WORKLIST_LIMIT + 1}", params)
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    truncated = len(rows) > WORKLIST_LIMIT
    rows = rows[:WORKLIST_LIMIT]
    niks = [r["matched_nik"] or r["nik"] for r in rows]
    audit_record(user, "kpu.worklist", object_type="kpu_list", purpose=purpose, niks=niks,
                 query=f"reconciliation={run.pk} kelurahan={kelurahan_code} category={category or '*'}",
                 row_count=len(rows), ip=ip)
    return Worklist(kelurahan, rows, truncated)


def _area_counts(run: Reconciliation, prefix: str | None, depth: int) -> dict[str, dict[str, int]]:
    """Counts per area (depth: 2 kota, 3 kecamatan, 4 kelurahan) and category."""
    counts = run.kelurahan_counts.all()
    if prefix:
        counts = counts.filter(kelurahan_code__startswith=prefix + ".")
    table: dict[str, dict[str, int]] = {}
    for code, category, n in counts.values_list("kelurahan_code", "category", "count"):
        area = ".".join(code.split(".")[:depth]) if code else "-"
        table.setdefault(area, {}).setdefault(category, 0)
        table[area][category] += n
    return dict(sorted(table.items()))


def summary(user, run: Reconciliation, *, area: str | None = None) -> dict:
    """Aggregates for staff pages: per category, and per sub-area of `area` (default: the
    user's area; the Dinas starts at the kota level). No personal data."""
    if not can_see_summaries(user):
        raise PermissionDenied("peran ini tidak melihat ringkasan rekonsiliasi")
    scope = getattr(user, "area_id", None) or "31"
    if user.role == Role.AUDITOR:
        scope = "31"
    area = area or scope
    if not (area == scope or area.startswith(scope + ".") or scope == "31"):
        raise PermissionDenied(f"wilayah {area} di luar wilayah kerja {scope}")
    depth = min(area.count(".") + 2, 4)
    prefix = None if area == "31" else area
    per_area = _area_counts(run, prefix, depth)
    names = dict(Region.objects.filter(code__in=list(per_area)).values_list("code", "name"))
    totals = {c: 0 for c in Category.values}
    for counts in per_area.values():
        for c, n in counts.items():
            totals[c] = totals.get(c, 0) + n
    return {"area": area, "area_name": Region.objects.filter(code=area).values_list("name", flat=True).first() or "",
            "depth": depth, "totals": totals,
            "rows": [{"code": code, "name": names.get(code, ""), "counts": counts, "total": sum(counts.values())}
                     for code, counts in per_area.items()]}


def suppress(n: int) -> str:
    return f"< {SUPPRESS_BELOW}" if 0 < n < SUPPRESS_BELOW else f"{n:,}".replace(",", ".")


HIDDEN = "•"


def dprd_summary(run: Reconciliation) -> dict:
    """Aggregates per kota for oversight: categories only, small counts suppressed.

    A kota's cell below SUPPRESS_BELOW shows "< 10". If that is the only small cell
    of a category, the next smallest cell is hidden too (complementary suppression),
    or the DKI total minus the other kota would give the small number back."""
    per_kota = _area_counts(run, None, 2)
    names = dict(Region.objects.kota().values_list("code", "name"))
    totals = dict(run.kelurahan_counts.values_list("category").annotate(n=Sum("count")).values_list("category", "n"))
    shown = {code: {c: suppress(counts.get(c, 0)) for c in Category.values} for code, counts in per_kota.items()}
    for c in Category.values:
        small = [k for k, counts in per_kota.items() if 0 < counts.get(c, 0) < SUPPRESS_BELOW]
        if len(small) == 1:
            others = sorted((counts.get(c, 0), k) for k, counts in per_kota.items() if k not in small
                            and counts.get(c, 0) > 0)
            if others:
                shown[others[0][1]][c] = HIDDEN
    return {
        "rows": [{"code": code, "name": names.get(code, code), "counts": shown[code]} for code in per_kota],
        "totals": {c: suppress(totals.get(c, 0)) for c in Category.values},
        "list_rows": suppress(run.rows),
    }


def latest_reconciliation(election=None) -> Reconciliation | None:
    runs = Reconciliation.objects.select_related("election")
    if election is not None:
        runs = runs.filter(election=election)
    return runs.first()


def copies_for(user):
    """The DP4 copies handed to this KPU account."""
    return ExtractCopy.objects.filter(recipient_user_id=getattr(user, "pk", None)).select_related(
        "extract", "extract__election")


def copy_file_for(user, copy_id: int, fmt: str, *, purpose: str, ip: str = "", token_prefix: str = "") -> Path:
    """The file of a copy assigned to this user. Audited as a bulk export with row count."""
    _require_purpose(purpose)
    copy = copies_for(user).filter(pk=copy_id).first()
    if copy is None:
        raise PermissionDenied("salinan DP4 ini tidak diserahkan kepada akun ini")
    name = {"csv": "model_a.csv", "parquet": "model_a.parquet", "dak2": "dak2.csv", "manifest": "manifest.json"}.get(fmt)
    if name is None:
        raise ValueError("format harus csv, parquet, dak2 atau manifest")
    kwargs = {"token_prefix": token_prefix} if token_prefix else {}
    audit_record(user, "dp4.download", object_type="dp4", purpose=purpose, ip=ip,
                 query=f"copy={copy.pk} file={name}",
                 row_count=copy.extract.eligible if fmt in ("csv", "parquet") else 0, **kwargs)
    return Path(copy.path) / name


def reconciliations_for_kpu(user):
    return Reconciliation.objects.filter(created_by_id=getattr(user, "pk", None)).select_related("election")


def identify_leak(user, path: Path, *, purpose: str = "penelusuran kebocoran DP4") -> tuple[list, dp4.Match | None]:
    """Score a leaked file against every copy handed over. Dinas and auditors only; audited."""
    if getattr(user, "role", None) not in (Role.DINAS, Role.AUDITOR) and user is not None:
        raise PermissionDenied("penelusuran kebocoran hanya untuk Dinas dan auditor")
    candidates = dict(ExtractCopy.objects.values_list("pk", "fingerprint_key"))
    matches = dp4.identify(Path(path), candidates) if candidates else []
    best = dp4.verdict(matches)
    audit_record(user, "dp4.identify", object_type="dp4", purpose=purpose,
                 query=f"file={Path(path).name} copy={best.copy_id if best else '-'}",
                 row_count=matches[0].rows if matches else 0)
    return matches, best


def diff(user, old: Extract, new: Extract, out_csv: Path, *, purpose: str = "selisih antar-ekstrak DP4") -> dict:
    """Write who came in / left / changed between two extracts. Dinas (or system) only; audited."""
    if user is not None and getattr(user, "role", None) != Role.DINAS:
        raise PermissionDenied("selisih DP4 seluruh DKI hanya untuk Dinas")
    counts = dp4.diff_extracts(Path(old.path), Path(new.path), Path(out_csv))
    audit_record(user, "dp4.diff", object_type="dp4", purpose=purpose,
                 query=f"from={old.pk} to={new.pk} out={Path(out_csv).name}", row_count=sum(counts.values()))
    return counts
