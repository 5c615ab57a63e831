"""`adminduk dp4 extract|copy|identify|diff|why`: DP4 extracts for KPU."""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from adminduk.elections import actions, queries
from adminduk.elections.models import Extract, ExtractCopy

from ._common import get_election, get_user


class Command(BaseCommand):
    help = "DP4: ekstrak pemilih potensial, salinan per penerima, penelusuran kebocoran, selisih antar-ekstrak."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ex = sub.add_parser("extract", help="buat ekstrak DP4 dari register dan salinan untuk satu penerima")
        ex.add_argument("--election", required=True)
        ex.add_argument("--out", required=True, help="direktori salinan untuk penerima")
        ex.add_argument("--recipient", default=actions.DEFAULT_RECIPIENT)
        ex.add_argument("--version", help="mis. 2023-S1 (bawaan: tahun dan semester hari ini)")
        ex.add_argument("--user", help="petugas yang menjalankan (bawaan: sistem)")
        ex.add_argument("--snapshot", help="direktori snapshot register semester (persons.parquet, families.parquet) "
                                           "sebagai sumber, bukan basis data")
        ex.add_argument("--reason", default="penyerahan DP4 kepada KPU (UU 7/2017)")
        cp = sub.add_parser("copy", help="salinan bertanda untuk penerima lain dari ekstrak yang ada")
        cp.add_argument("--election", required=True)
        cp.add_argument("--version", required=True)
        cp.add_argument("--recipient", required=True)
        cp.add_argument("--out", required=True)
        cp.add_argument("--user")
        cp.add_argument("--reason", default="penyerahan DP4")
        idf = sub.add_parser("identify", help="telusuri penerima dari berkas DP4 yang bocor")
        idf.add_argument("file")
        idf.add_argument("--user")
        df = sub.add_parser("diff", help="siapa masuk, keluar, dan berubah antara dua ekstrak")
        df.add_argument("--from", dest="old", required=True, help="ELECTION:VERSION")
        df.add_argument("--to", dest="new", required=True, help="ELECTION:VERSION")
        df.add_argument("--out", required=True, help="berkas CSV")
        df.add_argument("--user")
        why = sub.add_parser("why", help="mengapa seorang penduduk tidak masuk ekstrak")
        why.add_argument("--election", required=True)
        why.add_argument("--version", required=True)
        why.add_argument("nik")
        why.add_argument("--user", required=True)
        why.add_argument("--reason", default="pemeriksaan DP4")

    def handle(self, *args, action, **opts):
        try:
            getattr(self, f"do_{action}")(**opts)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc

    def _extract(self, ref: str) -> Extract:
        slug, _, version = ref.partition(":")
        extract = Extract.objects.filter(election__slug=slug, version=version).first()
        if extract is None:
            raise CommandError(f"ekstrak {ref!r} tidak ada (format ELECTION:VERSION)")
        return extract

    def do_extract(self, *, election, out, recipient, version, user, reason, snapshot=None, **_):
        election = get_election(election)
        extract, copy = actions.do_create_extract(election, actor=get_user(user), reason=reason, version=version,
                                                  recipient=recipient, out=Path(out), progress=self.stdout.write,
                                                  snapshot=Path(snapshot) if snapshot else None)
        self.stdout.write(f"DP4 {election.slug} versi {extract.version}: {extract.eligible:,} pemilih "
                          f"(L {extract.eligible_men:,}, P {extract.eligible_women:,})")
        for reason_code, n in sorted(extract.excluded.items()):
            self.stdout.write(f"  tidak masuk, {reason_code}: {n:,}")
        self.stdout.write(f"salinan #{copy.pk} untuk {copy.recipient}: {copy.path}")

    def do_copy(self, *, election, version, recipient, out, user, reason, **_):
        extract = self._extract(f"{election}:{version}")
        copy = actions.do_hand_over_copy(extract, recipient=recipient, actor=get_user(user), reason=reason,
                                         out=Path(out))
        self.stdout.write(f"salinan #{copy.pk} untuk {copy.recipient}: {copy.path}")

    def do_identify(self, *, file, user, **_):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"berkas {file} tidak ada")
        try:
            matches, best = queries.identify_leak(get_user(user), path)
        except (ValueError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        if not matches:
            raise CommandError("belum ada salinan DP4 yang diserahkan")
        copies = ExtractCopy.objects.in_bulk([m.copy_id for m in matches[:5]])
        for m in matches[:5]:
            c = copies[m.copy_id]
            self.stdout.write(f"  salinan #{c.pk} {c.extract} → {c.recipient}: skor {m.score:.3f} {m.channels}")
        if best is None:
            raise CommandError("tidak dapat ditentukan dengan yakin")
        c = copies[best.copy_id]
        self.stdout.write(self.style.SUCCESS(f"berkas berasal dari salinan #{c.pk} ({c.extract}) untuk {c.recipient}, "
                                             f"diserahkan {c.created_at:%Y-%m-%d %H:%M}"))

    def do_diff(self, *, old, new, out, user, **_):
        a, b = self._extract(old), self._extract(new)
        try:
            counts = queries.diff(get_user(user), a, b, Path(out))
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for key, n in counts.items():
            self.stdout.write(f"  {key}: {n:,}")
        self.stdout.write(f"selisih ditulis ke {out}")

    def do_why(self, *, election, version, nik, user, reason, **_):
        extract = self._extract(f"{election}:{version}")
        answer = queries.extract_status_of(get_user(user), extract, nik, purpose=reason)
        self.stdout.write(answer["message"])
