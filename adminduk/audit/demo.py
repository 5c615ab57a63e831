"""Demo API tokens (run by `adminduk demo` after the demo users of accounts).

A verifier token for a partner institution (a bank: NIK verification only, name and
birth date) and a staff token for the Dinas (person lookup in all of DKI). Secrets are
generated on the first run, kept in var/demo_tokens.txt (0600, never in the
repository) and printed on every run, like the demo logins.
"""

from django.conf import settings

from adminduk.accounts.models import ApiToken, User
from adminduk.accounts.tokens import issue_token

PARTNER_USER = "mitra.bankdki"
DEMO_TOKENS = [
    # key, owner, institution, token name, scopes, fields, rate per minute
    ("bank", PARTNER_USER, "Bank DKI", "verifikasi nasabah (KYC)", ["registry.verify"], ["name", "birth_date"], 600),
    ("dinas", "dinas.admin", "Dinas Dukcapil DKI Jakarta", "layanan internal Dinas",
     ["registry.read", "registry.verify"],
     ["nik", "kk", "name", "sex", "birth_date", "birth_place", "kelurahan_code", "rw", "rt", "street", "status",
      "ktp_state"], 6000),
    ("kpu", "kpu.dki", "KPU Provinsi DKI Jakarta", "data pemilih (DP4, daftar pemilih)",
     ["elections.dp4", "elections.lists"], [], 600),
]


def _tokens_file():
    return settings.VAR_DIR / "demo_tokens.txt"


def _partner_user() -> User:
    user = User.objects.filter(username=PARTNER_USER).first()
    if user is None:
        # A partner institution's API account: no staff role (it never reads a person's
        # record), no password (it never logs in to the staff UI).
        user = User(username=PARTNER_USER, first_name="Bank DKI", last_name="(mitra API)", role="",
                    institution="Bank DKI")
        user.set_unusable_password()
        user.save()
    return user


def ensure_demo_tokens() -> list[tuple[str, str, str]]:
    path = _tokens_file()
    known = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line) if path.exists() else {}
    _partner_user()
    rows = []
    for key, owner, institution, name, scopes, fields, rate in DEMO_TOKENS:
        secret = known.get(key, "")
        prefix = secret.split("_")[1] if secret.count("_") >= 2 else ""
        if not ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).exists():
            user = User.objects.filter(username=owner).first()
            if user is None:
                continue
            _, secret = issue_token(user, institution=institution, name=name, scopes=scopes, fields=fields,
                                    rate_limit_per_minute=rate)
            known[key] = secret
        rows.append((institution, ",".join(scopes), known[key]))
    path.write_text("".join(f"{k} {v}\n" for k, v in known.items()))
    path.chmod(0o600)
    return rows


def setup(stdout):
    rows = ensure_demo_tokens()
    stdout.write("token API demo (instansi / cakupan / token) — dokumentasi: /api/docs")
    for institution, scopes, secret in rows:
        stdout.write(f"  {institution:28} {scopes:30} {secret}")
    if rows:
        stdout.write('  contoh: curl -H "Authorization: Bearer <token>" -H "X-Purpose: uji" '
                     "http://127.0.0.1:8000/api/registry/persons/<NIK>")
