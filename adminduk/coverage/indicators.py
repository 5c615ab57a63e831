"""The coverage indicators: what each one counts, and the arithmetic on them.

Pure definitions and arithmetic, no database. Every figure a page or report shows is
a numerator over a denominator taken from the same register on the same date, with
the numerator a subset of the denominator by construction, so it cannot exceed 100 %.
DKI once published 101.29 % for birth certificates (a numerator of March 2018 over a
population of December 2017): when a figure does exceed 100 % (a denominator from
another source or date), it must carry a note that says why (`Figure.over_note`).
See docs/decisions/0004-indicators.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

# Polling day of Pemilu 2024 (DOMAIN.md §3): "wajib KTP on polling day" is reckoned on it.
POLLING_DAY = dt.date(2024, 2, 14)
SOURCE_REGISTER = _("Register penduduk adminduk (SIAK DKI), dihitung dengan mesin kolom (DuckDB)")


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object
    short: object
    numerator: object
    denominator: object
    # What one more "person" closing the gap is, e.g. "akta kelahiran".
    unit: object
    # The 2023 Ditjen Dukcapil target (DOMAIN.md §4), or None where none was set.
    national_target: Decimal | None
    target_source: object = ""


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "ktp_rekam", _("Perekaman KTP-el"), _("Rekam KTP-el"),
        _("penduduk wajib KTP yang sudah merekam biometrik (status rekaman apa pun selain 'belum rekam')"),
        _("penduduk hidup wajib KTP pada tanggal data: umur 17 tahun ke atas, atau kawin/pernah kawin "
          "(UU 24/2013 Pasal 63 ayat 1)"),
        _("perekaman KTP-el"), Decimal("99.4"), _("Target kinerja Ditjen Dukcapil 2023"),
    ),
    Indicator(
        "ktp_cetak", _("KTP-el tercetak dibanding PRR"), _("Cetak KTP-el"),
        _("wajib KTP yang KTP-el-nya sudah dicetak atau diserahkan"),
        _("wajib KTP yang rekamannya sudah siap cetak (PRR) atau sudah dicetak/diserahkan; "
          "selisihnya adalah hutang cetak"),
        _("cetakan KTP-el"), None,
    ),
    Indicator(
        "akta_lahir", _("Akta kelahiran anak 0–18 tahun"), _("Akta lahir"),
        _("anak yang memiliki nomor akta kelahiran"),
        _("penduduk hidup berumur di bawah 18 tahun pada tanggal data"),
        _("akta kelahiran"), Decimal("98"), _("Target kinerja Ditjen Dukcapil 2023"),
    ),
    Indicator(
        "kia", _("KIA anak di bawah 17 tahun"), _("KIA"),
        _("anak yang KIA-nya terbit pada atau sebelum tanggal data"),
        _("penduduk hidup berumur di bawah 17 tahun dan belum kawin (Permendagri 2/2016)"),
        _("KIA"), Decimal("50"), _("Target kinerja Ditjen Dukcapil 2023"),
    ),
    Indicator(
        "akta_mati", _("Akta kematian"), _("Akta mati"),
        _("kematian yang sudah memiliki nomor akta kematian"),
        _("penduduk yang tercatat meninggal pada atau sebelum tanggal data, menurut alamat KK terakhir"),
        _("akta kematian"), None,
    ),
    Indicator(
        "ikd", _("Aktivasi IKD di antara yang sudah rekam"), _("IKD"),
        _("penduduk yang sudah rekam KTP-el dan mengaktifkan IKD pada atau sebelum tanggal data"),
        _("penduduk hidup wajib KTP yang sudah merekam KTP-el"),
        _("aktivasi IKD"), Decimal("25"), _("Target kinerja Ditjen Dukcapil 2023"),
    ),
    Indicator(
        "kk_cetak", _("KK tercetak"), _("KK cetak"),
        _("KK yang sudah dicetak pada atau sebelum tanggal data"),
        _("KK yang terbit pada atau sebelum tanggal data dan masih punya anggota yang hidup"),
        _("cetakan KK"), None,
    ),
    Indicator(
        "ktp_pemilu", _("Wajib KTP pada hari pemungutan suara yang sudah rekam KTP-el"), _("Rekam pemilu"),
        _("penduduk yang sudah merekam KTP-el"),
        _("penduduk hidup yang akan wajib KTP pada 14 Februari 2024 (umur 17 tahun pada hari itu, "
          "atau kawin/pernah kawin); selisihnya adalah wajib KTP tanpa KTP-el menjelang pemilu"),
        _("perekaman KTP-el"), None,
    ),
)
BY_KEY = {i.key: i for i in INDICATORS}
KEYS = tuple(BY_KEY)


def get(key: str) -> Indicator:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValueError(f"indikator {key!r} tidak dikenal; pilihan: {', '.join(KEYS)}") from None


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Percentage to two decimals, or None when there is nobody to count."""
    if denominator <= 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def people_to_target(numerator: int, denominator: int, target: Decimal | None) -> int | None:
    """How many more people must hold the document for the area to reach the target.

    The smallest n with (numerator + n) / denominator >= target / 100, computed in
    exact integers so 98 % of 50 is 49, not 48.99999.
    """
    if target is None or denominator <= 0:
        return None
    needed = math.ceil(Decimal(denominator) * Decimal(target) / 100) - numerator
    return max(0, needed)


def over_100_note(numerator: int, denominator: int, note: str) -> str:
    """The reason a figure exceeds 100 %; refusing to show one without a reason."""
    if numerator > denominator and not note.strip():
        raise ValueError("indikator melebihi 100% tanpa keterangan sebab (mis. penyebut dari tanggal lain)")
    return note
