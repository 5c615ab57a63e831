"""`adminduk check-register [--json] [--lang en] [--examples N]`: exit 1 on a broken rule."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from adminduk.registry.checks import check_register


class Command(BaseCommand):
    help = "Periksa aturan register penduduk (NIK, KK, kepala keluarga, wilayah); keluar 1 bila ada yang dilanggar."

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="as_json", action="store_true", help="keluaran JSON (satu objek)")
        parser.add_argument("--lang", choices=["id", "en"], default="id", help="bahasa pesan (id/en)")
        parser.add_argument("--examples", type=int, default=5, help="jumlah contoh per aturan (bawaan 5)")

    def handle(self, *args, as_json=False, lang="id", examples=5, **options):
        started = time.perf_counter()
        results = check_register(lang=lang, examples=examples)
        seconds = round(time.perf_counter() - started, 2)
        broken = [r for r in results if not r.ok]
        if as_json:
            self.stdout.write(json.dumps({"ok": not broken, "seconds": seconds,
                                           "rules": [r.as_json() for r in results]}, ensure_ascii=False))
        else:
            for r in results:
                mark = "OK   " if r.ok else "GAGAL" if lang == "id" else "FAIL "
                line = f"{mark} {r.code:28} {r.count:>10,}  {r.title}"
                if r.examples:
                    line += ("\n      contoh: " if lang == "id" else "\n      e.g.: ") + ", ".join(r.examples)
                self.stdout.write(line)
            summary = (f"{len(broken)} aturan dilanggar, {len(results) - len(broken)} terpenuhi ({seconds} detik)"
                       if lang == "id" else
                       f"{len(broken)} rules broken, {len(results) - len(broken)} hold ({seconds} s)")
            self.stdout.write(summary)
        if broken:
            # Non-zero exit without a traceback; the report above is the message.
            raise CommandError("register melanggar aturan" if lang == "id" else "register breaks rules", returncode=1)

