"""NIK and KK number rules (DOMAIN.md §1.1-1.3, §9.1). Pure: no database, no Django.

A NIK is `PP KK CC DDMMYY SSSS`: the kecamatan where it was *first* issued, the birth
date (day + 40 for women) and a serial from 0001 among people with the same area and
birth date. Hard errors make a NIK invalid; warnings flag what is legitimate but worth
a look: the area digits show the place of first registration, not the address, and the
date digits stay when a birth date is later corrected (PP 40/2019 Pasal 30, 33).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

NIK_LENGTH = 16
WILAYAH_CSV = Path(__file__).resolve().parent.parent / "regions" / "wilayah_dki.csv"

# Message catalogue: code -> (Bahasa Indonesia, English). The code is stable for machines.
MESSAGES = {
    "length": ("NIK harus 16 digit, diberikan {n} karakter", "NIK must be 16 digits, got {n} characters"),
    "non_digit": ("NIK hanya boleh berisi angka 0-9", "NIK may contain only the digits 0-9"),
    "month": ("bulan lahir pada NIK ({month}) harus 01-12", "birth month in the NIK ({month}) must be 01-12"),
    "day": (
        "tanggal lahir pada NIK ({day}) harus 01-31 (laki-laki) atau 41-71 (perempuan)",
        "birth day in the NIK ({day}) must be 01-31 (male) or 41-71 (female)",
    ),
    "date": ("tanggal lahir pada NIK ({value}) bukan tanggal yang ada", "birth date in the NIK ({value}) does not exist"),
    "serial": ("nomor urut NIK tidak boleh 0000", "the NIK serial must not be 0000"),
    "unknown_area": (
        "kode wilayah {area} tidak ada dalam referensi kecamatan DKI (boleh: wilayah pertama kali terdaftar)",
        "area code {area} is not a DKI kecamatan in the reference list (allowed: place of first registration)",
    ),
    "area_differs": (
        "kode wilayah NIK {area} berbeda dengan kecamatan domisili {record}; sah bila penduduk pindah",
        "NIK area {area} differs from the kecamatan of residence {record}; legitimate after a move",
    ),
    "date_differs": (
        "tanggal lahir pada NIK ({nik_date}) berbeda dengan data ({record}); NIK tidak berubah bila tanggal dikoreksi",
        "birth date in the NIK ({nik_date}) differs from the record ({record}); a NIK is not changed when a date is corrected",
    ),
    "sex_differs": (
        "jenis kelamin pada NIK ({nik_sex}) berbeda dengan data ({record})",
        "sex encoded in the NIK ({nik_sex}) differs from the record ({record})",
    ),
    "future_date": (
        "tanggal lahir pada NIK ({value}) setelah tanggal acuan {ref}",
        "birth date in the NIK ({value}) is after the reference date {ref}",
    ),
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    @classmethod
    def make(cls, code: str, lang: str = "id", **params) -> Finding:
        text_id, text_en = MESSAGES[code]
        return cls(code, (text_en if lang == "en" else text_id).format(**params))


@dataclass(frozen=True)
class NikResult:
    nik: str
    valid: bool
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    area_code: str | None = None  # six digits, as in the NIK
    birth_date: dt.date | None = None
    sex: str | None = None  # "L" / "P"
    serial: int | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data


@lru_cache(maxsize=1)
def dki_kecamatan_codes() -> frozenset[str]:
    """Six-digit codes of DKI's 44 kecamatan, from the bundled Kemendagri list."""
    with open(WILAYAH_CSV, newline="", encoding="utf-8") as fh:
        return frozenset(r["code"].replace(".", "") for r in csv.DictReader(fh) if r["level"] == "kecamatan")


def resolve_century(yy: int, month: int, day: int, reference: dt.date) -> dt.date:
    """The latest date with these digits that is not after `reference`.

    The NIK carries only two year digits. Someone whose digits read 05 is born in 2005
    if that is in the past at the reference date, else in 1905. Raises ValueError for a
    date that exists in neither century (e.g. 29 Feb in a non-leap year).
    """
    last_error: ValueError | None = None
    for century in (2000, 1900):
        try:
            candidate = dt.date(century + yy, month, day)
        except ValueError as exc:
            last_error = exc
            continue
        if candidate <= reference:
            return candidate
    # 29-02-00: 2000 is a leap year but 1900 is not; if 2000 is in the future too, give up.
    if last_error:
        raise last_error
    return dt.date(1900 + yy, month, day)


def check_nik(
    nik: str,
    *,
    reference_date: dt.date | None = None,
    known_areas: Container[str] | None = None,
    record_birth_date: dt.date | None = None,
    record_area: str | None = None,
    record_sex: str | None = None,
    lang: str = "id",
) -> NikResult:
    """Parse and check one NIK. `known_areas` defaults to DKI's kecamatan codes.

    `record_*` are the register's values for the person, when known: differences are
    warnings, never errors (DOMAIN.md §1.2).
    """
    reference_date = reference_date or dt.date.today()
    known_areas = dki_kecamatan_codes() if known_areas is None else known_areas
    raw = nik
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if len(raw) != NIK_LENGTH:
        errors.append(Finding.make("length", lang, n=len(raw)))
    if not (raw.isascii() and raw.isdigit()):
        errors.append(Finding.make("non_digit", lang))
    if errors:
        return NikResult(nik=raw, valid=False, errors=errors)

    area = raw[:6]
    day_digits, month, yy, serial = int(raw[6:8]), int(raw[8:10]), int(raw[10:12]), int(raw[12:16])
    sex = "P" if day_digits > 40 else "L"
    day = day_digits - 40 if day_digits > 40 else day_digits
    birth_date = None
    if not 1 <= month <= 12:
        errors.append(Finding.make("month", lang, month=raw[8:10]))
    if not (1 <= day_digits <= 31 or 41 <= day_digits <= 71):
        errors.append(Finding.make("day", lang, day=raw[6:8]))
    if not errors:
        try:
            birth_date = resolve_century(yy, month, day, reference_date)
        except ValueError:
            errors.append(Finding.make("date", lang, value=f"{day:02d}-{month:02d}-{yy:02d}"))
        else:
            if birth_date > reference_date:
                errors.append(Finding.make("future_date", lang, value=birth_date.isoformat(), ref=reference_date.isoformat()))
    if serial == 0:
        errors.append(Finding.make("serial", lang))

    if area not in known_areas:
        warnings.append(Finding.make("unknown_area", lang, area=area))
    if record_area and record_area.replace(".", "")[:6] != area:
        warnings.append(Finding.make("area_differs", lang, area=area, record=record_area.replace(".", "")[:6]))
    if birth_date and record_birth_date and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        record_birth_date.day,
        record_birth_date.month,
        record_birth_date.year % 100,
    ):
        warnings.append(Finding.make("date_differs", lang, nik_date=birth_date.isoformat(), record=record_birth_date.isoformat()))
    if record_sex and record_sex != sex:
        warnings.append(Finding.make("sex_differs", lang, nik_sex=sex, record=record_sex))

    return NikResult(
        nik=raw,
        valid=not errors,
        errors=errors,
        warnings=warnings,
        area_code=area,
        birth_date=birth_date,
        sex=sex,
        serial=serial,
    )


def is_valid_nik(nik: str, reference_date: dt.date | None = None) -> bool:
    return check_nik(nik, reference_date=reference_date, known_areas=()).valid


def nik_stem(area: str, birth_date: dt.date, sex: str) -> str:
    """The first 12 digits: area (6) + DDMMYY with day + 40 for women."""
    area = area.replace(".", "")[:6]
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"kode wilayah NIK harus 6 digit kecamatan, diberikan {area!r}")
    if sex not in ("L", "P"):
        raise ValueError(f"jenis kelamin harus L atau P, diberikan {sex!r}")
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{area}{day:02d}{birth_date:%m}{birth_date.year % 100:02d}"


def next_nik(area: str, birth_date: dt.date, sex: str, taken: Iterable[str]) -> str:
    """The next free NIK for this area, birth date and sex.

    `taken` is every NIK already issued with the same 12-digit stem (the register
    query lives in `registry.actions`); the serial is one more than the highest.
    """
    stem = nik_stem(area, birth_date, sex)
    highest = max((int(n[12:16]) for n in taken if n.startswith(stem) and n[12:16].isdigit()), default=0)
    if highest >= 9999:
        raise ValueError(f"nomor urut NIK untuk {stem} sudah habis (9999)")
    return f"{stem}{highest + 1:04d}"


def kk_stem(area: str, issued_on: dt.date) -> str:
    """KK numbers: issuing office's kecamatan (6) + recording date DDMMYY + serial (4).

    DOMAIN.md §1.3 marks the split of digits 7-16 as the usual reading, not verified.
    """
    area = area.replace(".", "")[:6]
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"kode wilayah KK harus 6 digit kecamatan, diberikan {area!r}")
    return f"{area}{issued_on:%d%m}{issued_on.year % 100:02d}"


def next_kk(area: str, issued_on: dt.date, taken: Iterable[str]) -> str:
    stem = kk_stem(area, issued_on)
    highest = max((int(n[12:16]) for n in taken if n.startswith(stem) and n[12:16].isdigit()), default=0)
    if highest >= 9999:
        raise ValueError(f"nomor urut KK untuk {stem} sudah habis (9999)")
    return f"{stem}{highest + 1:04d}"


def check_kk(kk: str) -> list[Finding]:
    """Hard rules for a KK number: 16 digits, serial not 0000."""
    errors = []
    if len(kk) != NIK_LENGTH:
        errors.append(Finding("length", f"nomor KK harus 16 digit, diberikan {len(kk)} karakter"))
    if not (kk.isascii() and kk.isdigit()):
        errors.append(Finding("non_digit", "nomor KK hanya boleh berisi angka 0-9"))
    elif len(kk) == NIK_LENGTH and kk[12:] == "0000":
        errors.append(Finding("serial", "nomor urut KK tidak boleh 0000"))
    return errors
