"""`adminduk synth kpu-list` / `adminduk synth-kpu-list`: a synthetic KPU list with its truth."""

from pathlib import Path

from django.core.management.base import BaseCommand

from adminduk.elections import dp4, synthlist
from adminduk.elections.eligibility import DP4_COLUMNS

from ._common import get_election


class Command(BaseCommand):
    help = "Buat daftar pemilih KPU sintetis dari register, dengan gangguan yang diketahui dan kebenarannya."

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, election, out, seed, **opts):
        election = get_election(election)
        result = synthlist.make_list(dp4.read_register(DP4_COLUMNS), election.polling_day, Path(out), seed=seed)
        self.stdout.write(f"daftar: {Path(out) / 'list.csv'} ({result.rows:,} baris); kebenaran: {Path(out) / 'truth.csv'}")
        for category, n in result.truth.items():
            self.stdout.write(f"  {category}: {n:,}")
