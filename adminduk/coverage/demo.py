"""Demo: coverage snapshots of the demo register on the synthetic data's dates.

The synthetic register describes DKI on 18 January 2023 (the Komisi A rakor); the
demo computes month-end snapshots from July 2022 up to that day, so the dashboard has
trends to draw, and one Dinas target beyond the national set. A second run reuses them.
"""

import datetime as dt

from adminduk.accounts.models import Role, User
from adminduk.registry.models import Person

from .actions import do_recompute_series, do_set_target
from .models import Snapshot, Target

try:  # the date the synthetic register describes
    from adminduk.synth.generator import AS_OF as REGISTER_DATE
except ImportError:  # pragma: no cover - without the generator, today's register
    REGISTER_DATE = dt.date.today()


def demo_dates(end: dt.date = REGISTER_DATE, months: int = 6) -> list[dt.date]:
    dates, year, month = [end], end.year, end.month
    for _ in range(months):
        # the last day of the previous month
        first = dt.date(year, month, 1)
        last = first - dt.timedelta(days=1)
        dates.append(last)
        year, month = last.year, last.month
    return sorted(dates)


def setup(stdout):
    if not Person.objects.exists():
        stdout.write("cakupan: register kosong, snapshot dilewati")
        return
    dinas = User.objects.filter(role=Role.DINAS, is_active=True).order_by("pk").first()
    if not Target.objects.exists() and dinas is not None:
        do_set_target(indicator="akta_mati", year=REGISTER_DATE.year, area_code="31", value="75", actor=dinas,
                      reason="Mengacu target Ditjen 2023 untuk pelaporan kematian (Buku Pokok Pemakaman 75%)")
    if Snapshot.objects.filter(as_of=REGISTER_DATE).exists():
        stdout.write(f"cakupan: snapshot per {REGISTER_DATE} sudah ada")
        return
    snapshots = do_recompute_series(demo_dates(), actor=dinas, reason="demo: tren cakupan Juli 2022 - rakor")
    stdout.write(f"cakupan: {len(snapshots)} snapshot ({snapshots[0].as_of} s.d. {snapshots[-1].as_of}), "
                 f"{snapshots[-1].persons_read:,} penduduk")
