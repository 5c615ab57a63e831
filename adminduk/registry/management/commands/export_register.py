"""`adminduk export-register --out DIR --format csv|parquet --user USERNAME --purpose TEXT [--area CODE] [--fields a,b]`."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from adminduk.accounts.models import User
from adminduk.registry.exporting import FORMATS, export_register


class Command(BaseCommand):
    help = "Ekspor register dalam wilayah kerja pengguna ke CSV/Parquet, dengan manifest.json dan catatan audit."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="direktori tujuan (baru atau kosong)")
        parser.add_argument("--format", choices=FORMATS, default="parquet")
        parser.add_argument("--user", required=True, help="nama pengguna yang mengekspor")
        parser.add_argument("--purpose", required=True, help="tujuan ekspor (dicatat di manifest dan log audit)")
        parser.add_argument("--area", help="kode wilayah (bawaan: seluruh wilayah kerja pengguna)")
        parser.add_argument("--fields", help="kolom penduduk, dipisah koma (NIK dan KK selalu ikut)")

    def handle(self, *args, out, format, user, purpose, area=None, fields=None, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"pengguna {user!r} tidak ditemukan")
        try:
            result = export_register(user=actor, out_dir=out, fmt=format, purpose=purpose, area=area, fields=fields)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except PermissionDenied as exc:
            raise CommandError(f"ditolak: {exc}") from exc
        m = result.manifest
        self.stdout.write(f"diekspor {m['row_counts']['persons']:,} penduduk dan {m['row_counts']['families']:,} KK "
                          f"dari {m['area']['code']} {m['area']['name']} ke {result.directory}")
        for f in m["files"]:
            self.stdout.write(f"  {f['name']:18} {f['rows']:>10,} baris  sha256 {f['sha256']}")
        self.stdout.write(f"  manifest.json      {json.dumps(m['fields']['persons'])[:80]}")
