"""`adminduk import-register FILE_OR_DIR --reason TEXT [--lang id|en] [--user USERNAME] [--dry-run] [--json]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from adminduk.accounts.models import User
from adminduk.registry.importing import import_register


class Command(BaseCommand):
    help = ("Impor register (CSV/Parquet, skema pertukaran): semua baris diperiksa dulu; bila ada kesalahan "
            "tidak ada yang ditulis.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="direktori berisi families.* dan persons.*, atau satu berkas penduduk")
        parser.add_argument("--reason", required=True, help="alasan impor (dicatat di riwayat dan log audit)")
        parser.add_argument("--user", help="nama pengguna yang mengimpor (wilayah kerjanya berlaku)")
        parser.add_argument("--lang", choices=["id", "en"], default="id", help="bahasa pesan (id/en)")
        parser.add_argument("--dry-run", action="store_true", help="hanya periksa, jangan tulis")
        parser.add_argument("--json", dest="as_json", action="store_true", help="laporan sebagai JSON")

    def handle(self, *args, path, reason, user=None, lang="id", dry_run=False, as_json=False, **options):
        en = lang == "en"
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"user {user!r} not found" if en else f"pengguna {user!r} tidak ditemukan")
        result = import_register(path, reason=reason, user=actor, lang=lang, dry_run=dry_run)
        if as_json:
            self.stdout.write(json.dumps({
                "ok": result.ok, "written": result.batch is not None, "families": result.families,
                "persons": result.persons, "sha256": result.sha256,
                "errors": [e.as_json() for e in result.errors],
                "warnings": [{"code": w.code, "message": w.message, "count": w.count, "examples": w.examples}
                             for w in result.warnings],
            }, ensure_ascii=False))
        else:
            for issue in result.errors:
                self.stdout.write(_issue_text(issue, en))
            for w in result.warnings:
                self.stdout.write(("warning" if en else "peringatan") + f" [{w.code}] {w.count:,}: {w.message}; "
                                  + ("e.g. " if en else "mis. ") + ", ".join(w.examples))
        if not result.ok:
            n = len(result.errors)
            raise CommandError(f"{n:,} error(s); nothing was written" if en
                               else f"{n:,} kesalahan; tidak ada yang ditulis")
        if not as_json:
            if result.batch is None:
                self.stdout.write(f"valid: {result.families:,} KK, {result.persons:,} "
                                  + ("persons (dry run, nothing written)" if en
                                     else "penduduk (uji saja, tidak ditulis)"))
            else:
                self.stdout.write((f"imported {result.families:,} KK and {result.persons:,} persons"
                                   if en else f"diimpor {result.families:,} KK dan {result.persons:,} penduduk")
                                  + f" (batch #{result.batch.pk}, sha256 {result.sha256[:12]}…)")


def _issue_text(issue, en: bool) -> str:
    row = "" if issue.row is None else (f" row {issue.row}" if en else f" baris {issue.row}")
    column = "column" if en else "kolom"
    return f"{issue.file}{row}, {column} {issue.column}: {issue.message} [{issue.code}]"
