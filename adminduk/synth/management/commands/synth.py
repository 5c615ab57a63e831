"""`adminduk synth --residents N --seed S --out DIR [--defect-rate name=rate ...]`."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from adminduk.synth import output
from adminduk.synth.generator import DEFAULT_RATES, generate, parse_rates


def defect_rate(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"--defect-rate harus berbentuk nama=laju, diberikan {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise ValueError(f"laju untuk {name!r} harus angka, diberikan {value!r}") from None


class Command(BaseCommand):
    help = ("Buat penduduk sintetis DKI Jakarta (persons.parquet, families.parquet, truth.parquet, "
            "manifest.json) yang terkalibrasi, dengan cacat data yang ditanam.")

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, required=True, help="jumlah baris penduduk, mis. 200000")
        parser.add_argument("--seed", type=int, required=True, help="benih acak (benih sama → berkas sama)")
        parser.add_argument("--out", required=True, help="direktori keluaran")
        parser.add_argument("--defect-rate", action="append", default=[], metavar="NAMA=LAJU",
                            help="laju cacat data; nama: " + ", ".join(f"{k} (baku {v})"
                                                                      for k, v in DEFAULT_RATES.items()))
        parser.add_argument("--no-progress", action="store_true", help="tanpa bilah kemajuan")

    def run_from_argv(self, argv):
        # `adminduk synth kpu-list ...`: the synthetic KPU voter list lives in the elections app.
        if len(argv) > 2 and argv[2] in ("kpu-list", "kpu_list"):
            from adminduk.elections.management.commands.synth_kpu_list import Command as KpuList

            return KpuList().run_from_argv([argv[0], "synth_kpu_list", *argv[3:]])
        return super().run_from_argv(argv)

    def handle(self, *args, residents, seed, out, defect_rate: list, no_progress, **options):
        if residents < 1:
            raise CommandError("--residents harus minimal 1")
        try:
            rates = parse_rates(dict(globals()["defect_rate"](item) for item in defect_rate))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        population = generate(residents, seed, rates, progress=not no_progress)
        manifest = output.write(population, Path(out), progress=not no_progress)
        defects = ", ".join(f"{k} {v:,}" for k, v in manifest["defects"].items()) or "tidak ada"
        self.stdout.write(
            f"{manifest['residents']:,} penduduk, {manifest['families']:,} KK ditulis ke {out} dalam "
            f"{time.perf_counter() - started:.1f} s (seed {seed}; cacat: {defects})"
        )
