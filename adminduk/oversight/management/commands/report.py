"""`adminduk report rakor --date 2023-01-18 --out FILE.pdf` (or FILE.html)."""

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from adminduk.oversight.actions import do_make_rakor_report


class Command(BaseCommand):
    help = "Buat laporan rakor Komisi A (PDF atau HTML) untuk satu tanggal: hanya angka agregat."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="jenis laporan: rakor")
        parser.add_argument("--date", required=True, help="tanggal laporan, TTTT-BB-HH")
        parser.add_argument("--out", required=True, help="berkas keluaran, .pdf atau .html")

    def handle(self, *args, **opts):
        if opts["kind"] != "rakor":
            raise CommandError(f"jenis laporan {opts['kind']!r} tidak dikenal; pilihan: rakor")
        try:
            on = dt.date.fromisoformat(opts["date"])
        except ValueError:
            raise CommandError(f"--date: {opts['date']!r} bukan tanggal TTTT-BB-HH") from None
        out = Path(opts["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "html"):
            raise CommandError(f"--out: akhiran {out.suffix or '(kosong)'!r} tidak dikenal; pakai .pdf atau .html")
        if not out.parent.exists():
            raise CommandError(f"--out: folder {out.parent} tidak ada")
        started = time.perf_counter()
        report, data = do_make_rakor_report(on=on, fmt=fmt, out=out)
        self.stdout.write(f"laporan rakor per {on} ditulis ke {out} ({len(data):,} bita, "
                          f"{time.perf_counter() - started:.1f} detik); kepala rantai audit "
                          f"#{report.audit_head[0] if report.audit_head else '-'}")
