"""Demo users, one per role. Passwords are generated on first run and kept in
var/demo_logins.txt (never in the repository), then printed on every run."""

import secrets

from django.conf import settings

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


def ensure_demo_users() -> list[tuple[str, str, str]]:
    path = _logins_file()
    known = {}
    if path.exists():
        for line in path.read_text().splitlines():
            user, _, password = line.partition(" ")
            known[user] = password
    rows = []
    for username, full_name, role, area, institution in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None or username not in known:
            password = known.get(username) or secrets.token_urlsafe(9)
            user = user or User(username=username)
            first, _, last = full_name.partition(" ")
            user.first_name, user.last_name = first, last
            user.role, user.area_id, user.institution = role, area, institution
            user.is_staff = role == Role.DINAS
            user.set_password(password)
            user.save()
            known[username] = password
        rows.append((username, Role(role).label, known[username]))
    path.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    path.chmod(0o600)
    return rows


def setup(stdout):
    rows = ensure_demo_users()
    stdout.write("pengguna demo (nama pengguna / peran / kata sandi):")
    for username, role, password in rows:
        stdout.write(f"  {username:14} {role:32} {password}")
