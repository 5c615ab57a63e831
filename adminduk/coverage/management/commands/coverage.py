"""`adminduk coverage`: print the coverage indicators, or compute a new snapshot first.

    adminduk coverage --level kota --json
    adminduk coverage --recompute --date 2023-01-18 --reason "rakor Komisi A"
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from adminduk.coverage import indicators, queries
from adminduk.coverage.actions import do_recompute

LEVELS = ("provinsi", "kota", "kecamatan", "kelurahan")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} bukan tanggal TTTT-BB-HH") from None


class Command(BaseCommand):
    help = "Tampilkan indikator cakupan per wilayah (dari snapshot terbaru), atau hitung snapshot baru."

    def add_arguments(self, parser):
        parser.add_argument("--level", default="kota", help="provinsi, kota, kecamatan atau kelurahan (bawaan: kota)")
        parser.add_argument("--indicator", help=f"satu indikator saja: {', '.join(indicators.KEYS)}")
        parser.add_argument("--date", help="tanggal data (TTTT-BB-HH): snapshot terbaru pada/sebelum tanggal ini; "
                                           "dengan --recompute, tanggal hitung (bawaan hari ini)")
        parser.add_argument("--json", action="store_true", help="keluaran JSON")
        parser.add_argument("--recompute", action="store_true", help="hitung snapshot baru dari register dulu")
        parser.add_argument("--reason", default="hitung ulang cakupan (baris perintah)", help="alasan (audit)")

    def handle(self, *args, **opts):
        if opts["level"] not in LEVELS:
            raise CommandError(f"--level: {opts['level']!r} tidak dikenal; pilihan: {', '.join(LEVELS)}")
        if opts["indicator"] and opts["indicator"] not in indicators.BY_KEY:
            raise CommandError(f"--indicator: {opts['indicator']!r} tidak dikenal; pilihan: {', '.join(indicators.KEYS)}")
        on = _date(opts["date"]) if opts["date"] else None
        if opts["recompute"]:
            try:
                snapshot = do_recompute(as_of=on, reason=opts["reason"])
            except ValidationError as exc:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
            self.stderr.write(f"snapshot #{snapshot.pk} per {snapshot.as_of}: {snapshot.persons_read:,} baris "
                              f"penduduk dibaca dalam {snapshot.seconds:.1f} detik")
        else:
            snapshot = queries.latest_snapshot(on)
        if snapshot is None:
            raise CommandError("belum ada snapshot cakupan" + (f" pada/sebelum {on}" if on else "")
                               + "; jalankan dengan --recompute")
        figures = queries.level_figures(snapshot, opts["level"], opts["indicator"])
        if opts["json"]:
            self.stdout.write(json.dumps(self._json(snapshot, figures), ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"Cakupan per {snapshot.as_of} (snapshot #{snapshot.pk}, {snapshot.get_kind_display()})")
        for f in figures:
            pct = f"{f.percent}%" if f.percent is not None else "-"
            target = f" target {f.target}% kurang {f.gap_people:,}" if f.target is not None else ""
            self.stdout.write(f"{f.area_code:14} {f.area_name[:28]:28} {f.indicator:11} {f.numerator:>10,} / "
                              f"{f.denominator:>10,} = {pct:>8}{target}")

    @staticmethod
    def _json(snapshot, figures) -> dict:
        return {
            "snapshot": {"id": snapshot.pk, "as_of": snapshot.as_of.isoformat(), "kind": snapshot.kind,
                         "taken_at": snapshot.taken_at.isoformat(), "source": str(indicators.SOURCE_REGISTER)},
            "definitions": {i.key: {"label": str(i.label), "numerator": str(i.numerator),
                                    "denominator": str(i.denominator)} for i in indicators.INDICATORS},
            "areas": [
                {"code": f.area_code, "name": f.area_name, "level": f.level, "indicator": f.indicator,
                 "numerator": f.numerator, "denominator": f.denominator,
                 "percent": float(f.percent) if f.percent is not None else None,
                 "target": float(f.target) if f.target is not None else None, "target_source": f.target_source,
                 "people_to_target": f.gap_people, "note": f.note}
                for f in figures
            ],
        }
