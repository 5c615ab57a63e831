"""`adminduk totp USERNAME`: the current 6-digit code of a user's TOTP device.

For the demo and for trying the system without an authenticator app. It reads the
secret from the database, so it is as sensitive as database access itself; on a
production system it refuses to run.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from adminduk.accounts import otp
from adminduk.accounts.models import User


class Command(BaseCommand):
    help = "Print the current TOTP code of a (demo) user."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("totp tidak tersedia di lingkungan produksi")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"pengguna {username!r} tidak ada")
        device = otp.confirmed_device(user)
        if device is None:
            raise CommandError(f"pengguna {username!r} belum mempunyai perangkat TOTP (daftar saat masuk pertama)")
        self.stdout.write(otp.current_code(device))
