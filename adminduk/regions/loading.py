"""Load the bundled Kemendagri area list (idempotent)."""

import csv
from pathlib import Path

from django.db import transaction

from .models import Level, Region

WILAYAH_CSV = Path(__file__).with_name("wilayah_dki.csv")
PENDUDUK_CSV = Path(__file__).with_name("penduduk_dki.csv")


def read_wilayah(path: Path = WILAYAH_CSV) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    valid_levels = set(Level.values)
    for i, row in enumerate(rows, start=2):
        if row["level"] not in valid_levels:
            raise ValueError(f"{path.name} baris {i}: tingkat {row['level']!r} tidak dikenal")
    return rows


def read_penduduk(path: Path = PENDUDUK_CSV) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@transaction.atomic
def load_regions(path: Path = WILAYAH_CSV) -> tuple[int, int]:
    """Insert missing areas and update changed names; returns (created, updated)."""
    rows = read_wilayah(path)
    existing = Region.objects.in_bulk()
    created = updated = 0
    # Parents come before children in the file (sorted by code), so FKs resolve.
    for row in sorted(rows, key=lambda r: (r["code"].count("."), r["code"])):
        parent = row["parent_code"] or None
        current = existing.get(row["code"])
        if current is None:
            Region.objects.create(code=row["code"], level=row["level"], name=row["name"], parent_id=parent)
            created += 1
        elif (current.level, current.name, current.parent_id) != (row["level"], row["name"], parent):
            Region.objects.filter(code=row["code"]).update(level=row["level"], name=row["name"], parent_id=parent)
            updated += 1
    return created, updated
