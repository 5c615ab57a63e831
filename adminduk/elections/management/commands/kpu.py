"""`adminduk kpu reconcile|evaluate`: reconcile KPU's voter lists with the register."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from adminduk.elections import actions, synthlist
from adminduk.elections.intake import ListFormatError

from ._common import get_election, get_user


class Command(BaseCommand):
    help = "Daftar pemilih KPU: rekonsiliasi dengan register dan evaluasi terhadap data uji."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rc = sub.add_parser("reconcile", help="cocokkan daftar KPU (CSV Model A) dengan register")
        rc.add_argument("--election", required=True)
        rc.add_argument("--list", required=True, dest="list_file")
        rc.add_argument("--out", required=True)
        rc.add_argument("--user")
        rc.add_argument("--reason", default="sinkronisasi daftar pemilih KPU")
        ev = sub.add_parser("evaluate", help="presisi dan recall per kategori terhadap kebenaran sintetis")
        ev.add_argument("--findings", required=True)
        ev.add_argument("--truth", required=True)
        ev.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, action, **opts):
        getattr(self, f"do_{action}")(**opts)

    def do_reconcile(self, *, election, list_file, out, user, reason, **_):
        election = get_election(election)
        path = Path(list_file)
        if not path.is_file():
            raise CommandError(f"--list: berkas {list_file} tidak ada")
        try:
            run = actions.do_reconcile(election, path, actor=get_user(user), reason=reason, out=Path(out),
                                      progress=self.stdout.write)
        except (ListFormatError, ValueError) as exc:
            raise CommandError(f"--list: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(f"rekonsiliasi #{run.pk}: {run.rows:,} baris, {run.matched:,} cocok dengan register, "
                          f"{run.unreadable:,} tidak terbaca ({run.seconds:.1f} s)")
        for category, n in run.counts.items():
            self.stdout.write(f"  {category}: {n:,}")
        self.stdout.write(f"temuan: {Path(out) / 'findings.csv'}")
        if run.unreadable:
            self.stdout.write(f"baris tidak terbaca: {Path(out) / 'unreadable.csv'}")

    def do_evaluate(self, *, findings, truth, as_json: bool = False, **_):
        for label, f in (("--findings", findings), ("--truth", truth)):
            if not Path(f).is_file():
                raise CommandError(f"{label}: berkas {f} tidak ada")
        report = synthlist.evaluate(Path(findings), Path(truth))
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"{'kategori':<18}{'kebenaran':>10}{'ditemukan':>10}{'benar':>10}{'presisi':>9}{'recall':>9}")
        for category, r in report.items():
            self.stdout.write(f"{category:<18}{r['truth']:>10,}{r['found']:>10,}{r['correct']:>10,}"
                              f"{r['precision']:>9.4f}{r['recall']:>9.4f}")

