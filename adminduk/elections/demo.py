"""Demo: Pemilu 2024, a DP4 extract handed to the demo KPU account, and a synthetic KPU
list reconciled against the demo register, so that every page has something to show.
Idempotent: a second run reuses what exists."""

from pathlib import Path

from django.conf import settings

from adminduk.accounts.models import User
from adminduk.registry.models import Person

from . import actions, dp4, synthlist
from .models import Extract, Reconciliation
from .reference import ensure_reference_elections

DEMO_VERSION = "demo-2023-S1"
DEMO_SEED = 2024


def setup(stdout):
    election = ensure_reference_elections()
    if not Person.objects.exists():
        stdout.write("pemilu: register kosong, ekstrak DP4 demo dilewati")
        return
    dinas = User.objects.filter(username="dinas.admin").first()
    kpu = User.objects.filter(username="kpu.dki").first()
    extract = Extract.objects.filter(election=election, version=DEMO_VERSION).first()
    if extract is None:
        extract, copy = actions.do_create_extract(election, actor=dinas, reason="demo: penyerahan DP4 kepada KPU",
                                                  version=DEMO_VERSION, recipient_user=kpu)
        stdout.write(f"pemilu: DP4 {DEMO_VERSION} dibuat, {extract.eligible:,} pemilih, salinan #{copy.pk}")
    else:
        stdout.write(f"pemilu: DP4 {DEMO_VERSION} sudah ada ({extract.eligible:,} pemilih)")
    if not Reconciliation.objects.filter(election=election).exists():
        from adminduk.elections.eligibility import DP4_COLUMNS

        folder = Path(settings.EXPORT_DIR) / "kpu" / "demo-list"
        synthlist.make_list(dp4.read_register(DP4_COLUMNS), election.polling_day, folder, seed=DEMO_SEED)
        run = actions.do_reconcile(election, folder / "list.csv", actor=kpu or dinas,
                                   reason="demo: sinkronisasi DPT sintetis", list_name="DPT sintetis (demo)")
        stdout.write(f"pemilu: daftar KPU sintetis direkonsiliasi, {run.rows:,} baris, temuan {run.counts}")
