"""Every state change of the coverage app: taking a snapshot and setting a target."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from adminduk.accounts.models import Role
from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Region

from . import indicators
from .compute import Register, count_kelurahan, read_register, roll_up
from .models import AreaIndicator, Snapshot, Target

# An as-of date this many days or more before today is a reconstruction: the register
# keeps dates for KIA, IKD, births, deaths and KK printing, but the KTP-el state and
# the certificate numbers are today's (the snapshot says so).
RECONSTRUCTED_AFTER_DAYS = 7


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "alasan wajib diisi"})


def do_recompute(*, as_of: dt.date | None = None, actor=None, reason: str, register: Register | None = None
                 ) -> Snapshot:
    """Compute every indicator for every area on `as_of` (today by default) and store it.

    The register is read in bulk (audited as one batch read by the acting user or
    'sistem'); the result is written in one transaction, so a job that dies leaves
    no partial snapshot.
    """
    _require_reason(reason)
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise ValidationError({"as_of": f"tanggal data {as_of} ada di masa depan (hari ini {today})"})
    started = time.perf_counter()
    counts = count_kelurahan(as_of, register)
    areas = {code: (level, name, parent or "") for code, level, name, parent in
             Region.objects.values_list("code", "level", "name", "parent_id")}
    values = roll_up(counts.kelurahan, areas)
    kind = Snapshot.Kind.RECONSTRUCTED if (today - as_of).days >= RECONSTRUCTED_AFTER_DAYS else Snapshot.Kind.COMPUTED
    with transaction.atomic():
        snapshot = Snapshot.objects.create(as_of=as_of, actor=actor if getattr(actor, "pk", None) else None,
                                           reason=reason.strip()[:200], kind=kind, persons_read=counts.persons_read)
        AreaIndicator.objects.bulk_create([
            AreaIndicator(snapshot=snapshot, area_code=code, area_name=areas[code][1], level=areas[code][0],
                          parent_code=areas[code][2], indicator=key, numerator=num, denominator=den)
            for code, per_key in values.items() for key, (num, den) in per_key.items()
        ], batch_size=1000)
        audit_record(actor, "coverage.recompute", purpose=f"hitung cakupan dokumen per {as_of}: {reason.strip()}",
                     object_type="register", query="cakupan: semua indikator, semua wilayah (baca massal, agregat)",
                     row_count=counts.persons_read)
        snapshot.seconds = round(time.perf_counter() - started, 3)
        snapshot.save(update_fields=["seconds"])
    return snapshot


def do_recompute_series(dates: list[dt.date], *, actor=None, reason: str) -> list[Snapshot]:
    """Snapshots on several as-of dates from one read of the register (e.g. month-ends,
    to draw a trend for a register that has just been loaded)."""
    _require_reason(reason)
    register = read_register()
    return [do_recompute(as_of=d, actor=actor, reason=reason, register=register) for d in sorted(dates)]


def _parse_target(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError({"value": f"target harus angka persen, bukan {value!r}"}) from None
    if not number.is_finite() or not (0 < number <= 100):
        raise ValidationError({"value": "target harus lebih dari 0 dan paling tinggi 100 (persen)"})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"value": "target paling banyak dua angka di belakang koma"})
    return number


@transaction.atomic
def do_set_target(*, indicator: str, year: int, area_code: str, value, actor, reason: str) -> Target:
    """The Dinas sets (or, with an empty value, withdraws) the target of one indicator
    for one year and area. Earlier rows stay as the target's history."""
    if getattr(actor, "role", None) != Role.DINAS or not actor.is_active:
        raise PermissionDenied("hanya Dinas yang menetapkan target cakupan")
    errors = {}
    if indicator not in indicators.BY_KEY:
        errors["indicator"] = f"indikator {indicator!r} tidak dikenal"
    try:
        year = int(year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = "tahun harus angka empat digit antara 2000 dan 2100"
    area = Region.objects.filter(code=area_code).first()
    if area is None:
        errors["area"] = f"wilayah {area_code!r} tidak ada dalam kode wilayah"
    try:
        number = _parse_target(value)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not reason or not reason.strip():
        errors["reason"] = "alasan wajib diisi"
    if errors:
        raise ValidationError(errors)
    target = Target.objects.create(indicator=indicator, year=year, area=area, value=number, set_by=actor,
                                   reason=reason.strip()[:300])
    audit_record(actor, "coverage.target.set", purpose=reason.strip(), object_type="target",
                 query=f"{indicator} {year} {area_code} = {number if number is not None else 'dicabut'}")
    return target
