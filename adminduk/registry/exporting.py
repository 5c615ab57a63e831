"""Exporting the register (or part of it) to CSV or Parquet, with a manifest.

Only what the user may see: the area must lie within the user's jurisdiction, and
roles that never read personal data (DPRD, KPU, auditor) cannot export persons at
all. The rows are read by the columnar engine (one Arrow read, no model instances)
and written as `families.<fmt>` and `persons.<fmt>` in the exchange schema, so an
export can be imported back. `manifest.json` records who, when, why, which area and
fields, row counts and the SHA-256 of each file (ARCHITECTURE.md: every bulk export
carries a manifest), and one audit row records the export with its query and count.

The audit row names the query, not every NIK: the set of persons is exactly "the
register in area X at time T", and the manifest's checksum pins the file that left.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from adminduk.analytics import engine
from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Region

from .importing import FAMILY_COLUMNS, PERSON_COLUMNS

FORMATS = ("csv", "parquet")
# Always exported: without them a row cannot be identified or imported back.
KEY_FIELDS = ("nik", "kk")


@dataclass
class ExportResult:
    directory: Path
    manifest: dict

    @property
    def persons(self) -> int:
        return self.manifest["row_counts"]["persons"]


def _area_filter(column: str, code: str) -> str:
    # `code` has been checked against the Region table; the quotes are doubled anyway.
    code = code.replace("'", "''")
    return f"{column} = '{code}'" if code.count(".") == 3 else f"{column} LIKE '{code}.%'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        pacsv.write_csv(table, path)


def parse_fields(fields) -> list[str]:
    """The person columns to export, in exchange-schema order; NIK and KK always included."""
    if not fields:
        return list(PERSON_COLUMNS)
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    unknown = [f for f in fields if f not in PERSON_COLUMNS]
    if unknown:
        raise ValidationError({"fields": f"kolom tidak dikenal: {', '.join(unknown)}; "
                                         f"pilihan: {', '.join(PERSON_COLUMNS)}"})
    wanted = set(fields) | set(KEY_FIELDS)
    return [c for c in PERSON_COLUMNS if c in wanted]


def export_register(*, user, out_dir, fmt: str = "parquet", purpose: str, area: str | None = None,
                    fields=None) -> ExportResult:
    """Write the persons and families of `area` (default: the user's whole jurisdiction)."""
    if not purpose or not purpose.strip():
        raise ValidationError({"purpose": "tujuan ekspor wajib diisi"})
    scope = getattr(user, "jurisdiction_code", None)
    if scope is None:
        raise PermissionDenied("peran ini tidak boleh mengekspor data perseorangan")
    if fmt not in FORMATS:
        raise ValidationError({"format": f"format harus salah satu dari {', '.join(FORMATS)}"})
    area = area or scope
    region = Region.objects.filter(code=area).first()
    if region is None:
        raise ValidationError({"area": f"kode wilayah {area!r} tidak ada"})
    if not (area == scope or area.startswith(scope + ".")):
        raise PermissionDenied(f"wilayah {area} di luar wilayah kerja {scope}")
    columns = parse_fields(fields)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValidationError({"out": f"direktori {out} sudah berisi berkas; pilih direktori baru atau kosong"})
    out.mkdir(parents=True, exist_ok=True)

    started = timezone.now()
    persons = engine.persons_table(columns, where=_area_filter("f.kelurahan_code", area))
    families = engine.fetch_arrow(f"SELECT {', '.join(FAMILY_COLUMNS)} FROM registry_family "
                                  f"WHERE {_area_filter('kelurahan_code', area)}")
    # Empty reads come back untyped; the exchange schema has text and dates only.
    persons = _exchange_types(persons)
    families = _exchange_types(families)

    files = []
    for name, table in (("families", families), ("persons", persons)):
        path = out / f"{name}.{fmt}"
        _write(table, path, fmt)
        files.append({"name": path.name, "rows": table.num_rows, "bytes": path.stat().st_size,
                      "sha256": _sha256(path)})
    query = f"area={area} fields={','.join(columns)} format={fmt}"
    manifest = {
        "generated_at": started.isoformat(timespec="seconds"),
        "user": user.username,
        "role": user.role,
        "purpose": purpose.strip(),
        "area": {"code": region.code, "name": region.name, "level": region.level},
        "format": fmt,
        "fields": {"persons": columns, "families": list(FAMILY_COLUMNS)},
        "row_counts": {"families": families.num_rows, "persons": persons.num_rows},
        "files": files,
        "schema": "adminduk exchange schema (registry/importing.py)",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    audit_record(user, "register.export", object_type="person", purpose=purpose.strip(), query=query,
                 row_count=persons.num_rows)
    return ExportResult(out, manifest)


def _exchange_types(table: pa.Table) -> pa.Table:
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        wanted = pa.date32() if name in engine.DATE_COLUMNS else pa.string()
        if col.type != wanted:
            if pa.types.is_null(col.type):
                col = pa.nulls(len(col), wanted)
            col = col.cast(wanted)
        if wanted == pa.string():
            col = pa.compute.fill_null(col, "")
        table = table.set_column(i, name, col)
    return table

