"""`adminduk load DIR [--replace]`: bulk-load a register directory into the database.

DIR holds families.parquet and persons.parquet in the exchange schema (written by
`adminduk synth` or by an export). All or nothing: see `registry.bulk.write_register`.
"""

import hashlib
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
from django.core.management.base import BaseCommand, CommandError

from adminduk.registry.bulk import BulkLoadError, settle, write_register


def files_sha256(paths) -> str:
    """One SHA-256 over the files' bytes, in the given order (what the LoadBatch records)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Muat register (families.parquet + persons.parquet) dari direktori ke basis data, sekaligus."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="direktori berisi families.parquet dan persons.parquet")
        parser.add_argument("--replace", action="store_true",
                            help="ganti register yang sudah ada (tanpa ini, register harus kosong)")
        parser.add_argument("--reason", default="", help="alasan pemuatan (dicatat di log audit)")

    def handle(self, *args, directory, replace, reason, verbosity=1, **options):
        folder = Path(directory)
        paths = [folder / "families.parquet", folder / "persons.parquet"]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"berkas tidak ditemukan: {', '.join(missing)}")
        started = time.perf_counter()

        def say(message):
            if verbosity:
                self.stderr.write(f"[{time.perf_counter() - started:6.1f} s] {message}")

        say("membaca berkas Parquet")
        manifest = folder / "manifest.json"
        origin = ""
        if manifest.is_file():
            meta = json.loads(manifest.read_text())
            origin = f" (seed {meta.get('seed')}, generator {meta.get('generator_version')})" if "seed" in meta else ""
        sha = files_sha256(paths)
        try:
            # Read inline: no reference stays here, so the writer can free the tables
            # once they are staged (gigabytes at DKI scale).
            batch = write_register(
                pq.read_table(paths[0]), pq.read_table(paths[1]), actor=None, source=str(folder.resolve()), kind="load",
                reason=reason or f"pemuatan register dari {folder}{origin}", sha256=sha, replace=replace,
                progress=say,
            )
        except BulkLoadError as exc:
            raise CommandError("pemuatan dibatalkan, register tidak berubah:\n- " + "\n- ".join(exc.errors)) from None
        settle(progress=say)
        self.stdout.write(
            f"dimuat: {batch.families:,} KK, {batch.persons:,} penduduk dalam "
            f"{time.perf_counter() - started:.1f} s (LoadBatch #{batch.pk}, sha256 {sha[:12]}…)"
        )
