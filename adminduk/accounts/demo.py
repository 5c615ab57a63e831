"""Demo users, one per role. Passwords and TOTP secrets are generated on first run
and kept in var/demo_logins.txt (never in the repository), then printed on every run."""

import secrets

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp
from .models import Role, User

DEMO_USERS = [
    # username, full name, role, area code, institution
    ("gambir", "Siti Rahmawati (Satpel Gambir)", Role.KELURAHAN, "31.71.01.1001", "Kelurahan Gambir"),
    ("kec.gambir", "Andi Saputra (Kasektor Gambir)", Role.KECAMATAN, "31.71.01", "Kecamatan Gambir"),
    ("sudin.jaktim", "Rina Wulandari (Sudin Jakarta Timur)", Role.SUDIN, "31.75", "Suku Dinas Dukcapil Jakarta Timur"),
    ("dinas.admin", "Budi Hartono (Dinas Dukcapil DKI)", Role.DINAS, "31", "Dinas Dukcapil DKI Jakarta"),
    ("dprd.komisia", "Anggota Komisi A DPRD", Role.DPRD, None, "DPRD DKI Jakarta Komisi A"),
    ("kpu.dki", "Petugas Data KPU DKI", Role.KPU, None, "KPU Provinsi DKI Jakarta"),
    ("auditor", "Auditor Inspektorat", Role.AUDITOR, None, "Inspektorat Provinsi DKI Jakarta"),
]


def _logins_file():
    return settings.VAR_DIR / "demo_logins.txt"


def _read_known() -> dict[str, tuple[str, str]]:
    """username -> (password, TOTP key in hex) from var/demo_logins.txt."""
    known = {}
    path = _logins_file()
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2:
                known[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    return known


def _ensure_device(user, key_hex: str) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=otp.DEVICE_NAME, confirmed=True)
    if key_hex and device.key != key_hex:
        device.key = key_hex
    device.save()
    return device


def ensure_demo_users() -> list[tuple[str, str, str, str]]:
    """Create the demo users with a password and a confirmed TOTP device each; both
    are generated on first run, kept in var/ (mode 600) and reused afterwards."""
    known = _read_known()
    rows = []
    for username, full_name, role, area, institution in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        password, key_hex = known.get(username, ("", ""))
        if user is None or not password:
            password = password or secrets.token_urlsafe(9)
            user = user or User(username=username)
            first, _, last = full_name.partition(" ")
            user.first_name, user.last_name = first, last
            user.role, user.area_id, user.institution = role, area, institution
            user.is_staff = role == Role.DINAS
            user.set_password(password)
            user.save()
        device = _ensure_device(user, key_hex)
        known[username] = (password, device.key)
        rows.append((username, Role(role).label, password, otp.secret_b32(device)))
    path = _logins_file()
    path.write_text("".join(f"{u} {p} {k}\n" for u, (p, k) in known.items()))
    path.chmod(0o600)
    return rows


def setup(stdout):
    rows = ensure_demo_users()
    stdout.write("pengguna demo (nama pengguna / peran / kata sandi / kunci TOTP untuk aplikasi autentikator):")
    for username, role, password, secret in rows:
        stdout.write(f"  {username:14} {role:32} {password:14} {secret}")
    stdout.write("  kode verifikasi saat ini tanpa aplikasi: .venv/bin/adminduk totp NAMA_PENGGUNA")
