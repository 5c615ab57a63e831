"""`adminduk token issue|list|revoke`: API tokens for partner institutions and staff.

    adminduk token issue --user kpu.dki --institution "Bank DKI" --scopes registry.verify \
        --fields name,birth_date --rate 600 [--expires 2027-12-31] [--name "verifikasi nasabah"]
    adminduk token list [--user USERNAME]
    adminduk token revoke PREFIX [--reason TEXT]

The secret is printed once, by `issue`; only its SHA-256 is stored.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from adminduk.accounts import tokens
from adminduk.accounts.models import ApiToken, User


def _csv(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class Command(BaseCommand):
    help = "Terbitkan, daftar, atau cabut token API."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        issue = sub.add_parser("issue", help="terbitkan token (rahasia dicetak sekali)")
        issue.add_argument("--user", required=True, help="nama pengguna pemilik token")
        issue.add_argument("--institution", required=True, help="instansi mitra")
        issue.add_argument("--name", default="", help="nama token")
        issue.add_argument("--scopes", required=True, help=f"dipisah koma: {', '.join(tokens.SCOPES)}")
        issue.add_argument("--fields", default="", help="kolom yang diizinkan, dipisah koma")
        issue.add_argument("--rate", type=int, default=600, help="batas permintaan per menit (bawaan 600)")
        issue.add_argument("--expires", help="berlaku sampai (YYYY-MM-DD)")
        lst = sub.add_parser("list", help="daftar token")
        lst.add_argument("--user")
        revoke = sub.add_parser("revoke", help="cabut token")
        revoke.add_argument("prefix")
        revoke.add_argument("--reason", default="")

    def handle(self, *args, sub, **opts):
        getattr(self, f"_{sub}")(**opts)

    def _issue(self, user, institution, name, scopes, fields, rate, expires, **_):
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"--user: pengguna {user!r} tidak ada")
        expires_at = None
        if expires:
            try:
                day = dt.date.fromisoformat(expires)
            except ValueError:
                raise CommandError(f"--expires: tanggal harus YYYY-MM-DD, bukan {expires!r}") from None
            expires_at = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
            if expires_at <= timezone.now():
                raise CommandError("--expires: tanggal sudah lewat")
        try:
            token, secret = tokens.issue_token(owner, institution=institution, name=name, scopes=_csv(scopes),
                                               fields=_csv(fields), rate_limit_per_minute=rate,
                                               expires_at=expires_at)
        except ValueError as exc:
            raise CommandError(f"--{exc}") from None
        self.stdout.write(f"token {token.prefix} untuk {token.institution} ({owner.username}), "
                          f"cakupan {','.join(token.scopes)}, kolom {','.join(token.allowed_fields) or '-'}, "
                          f"{token.rate_limit_per_minute}/menit")
        self.stdout.write("rahasia (dicetak sekali saja, simpan sekarang):")
        self.stdout.write(secret)

    def _list(self, user=None, **_):
        qs = ApiToken.objects.select_related("user").order_by("created_at")
        if user:
            qs = qs.filter(user__username=user)
        for t in qs:
            state = ("dicabut" if t.revoked_at else
                     "kedaluwarsa" if t.expires_at and t.expires_at <= timezone.now() else "aktif")
            self.stdout.write(f"{t.prefix}  {state:11} {t.user.username:14} {t.institution:30} "
                              f"{','.join(t.scopes):28} {t.rate_limit_per_minute}/menit  "
                              f"kolom: {','.join(t.allowed_fields) or '-'}")

    def _revoke(self, prefix, reason, **_):
        try:
            token = tokens.revoke_token(prefix, reason=reason)
        except ApiToken.DoesNotExist:
            raise CommandError(f"token {prefix!r} tidak ada") from None
        self.stdout.write(f"token {token.prefix} ({token.institution}) dicabut {token.revoked_at:%Y-%m-%d %H:%M}")
