"""`adminduk nik check NIK [NIK ...] [--json] [--date YYYY-MM-DD] [--lang id|en]`."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from adminduk.registry.nik import check_nik


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} bukan tanggal YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Periksa NIK: struktur, tanggal lahir, jenis kelamin, nomor urut, kode wilayah."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("check", help="periksa satu atau lebih NIK")
        check.add_argument("niks", nargs="+", metavar="NIK")
        check.add_argument("--json", action="store_true", help="satu objek JSON per NIK per baris")
        check.add_argument("--date", type=_date, default=None, help="tanggal acuan untuk abad (bawaan: hari ini)")
        check.add_argument("--lang", choices=["id", "en"], default="id")

    def handle(self, *args, **options):
        invalid = 0
        for raw in options["niks"]:
            result = check_nik(raw.strip(), reference_date=options["date"], lang=options["lang"])
            invalid += not result.valid
            if options["json"]:
                self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
                continue
            state = "SAH" if result.valid else "TIDAK SAH"
            self.stdout.write(f"{result.nik}: {state}")
            if result.birth_date:
                self.stdout.write(f"  wilayah {result.area_code}, lahir {result.birth_date}, {result.sex}, "
                                  f"nomor urut {result.serial:04d}")
            for f in result.errors:
                self.stdout.write(f"  galat [{f.code}]: {f.message}")
            for f in result.warnings:
                self.stdout.write(f"  peringatan [{f.code}]: {f.message}")
        if invalid:
            raise SystemExit(1)
