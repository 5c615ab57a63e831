"""`adminduk token issue|list|revoke`: the secret is shown once and only its hash kept."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from adminduk.accounts.models import ApiToken
from adminduk.accounts.tokens import authenticate
from adminduk.audit.models import AuditEntry


def run(*args) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_issue_prints_the_secret_once_and_stores_only_its_hash(cast):
    out = run("issue", "--user", "kpu", "--institution", "Bank Uji", "--scopes", "registry.verify",
              "--fields", "name,birth_date", "--rate", "120")
    secret = out.strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert secret.startswith(f"adk_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    assert token.scopes == ["registry.verify"] and token.allowed_fields == ["name", "birth_date"]
    assert authenticate(secret).institution == "Bank Uji"
    assert AuditEntry.objects.filter(action="api.token.issue").exists()
    assert secret not in run("list")


@pytest.mark.django_db
def test_revoke_stops_the_token(cast):
    secret = run("issue", "--user", "dinas.admin", "--institution", "Dinas", "--scopes", "registry.read").split()[-1]
    prefix = ApiToken.objects.get().prefix
    assert "dicabut" in run("revoke", prefix, "--reason", "bocor")
    assert "dicabut" in run("list")
    from adminduk.accounts.tokens import TokenError

    with pytest.raises(TokenError) as exc:
        authenticate(secret)
    assert exc.value.code == "token_revoked"


@pytest.mark.django_db
@pytest.mark.parametrize("args, field", [
    (["--user", "nobody", "--institution", "X", "--scopes", "registry.verify"], "--user"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.delete"], "--scopes"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.read"], "--scopes"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.verify", "--fields", "gaji"], "--fields"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.verify", "--rate", "0"], "--rate"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.verify", "--expires", "2020-01-01"], "--expires"),
    (["--user", "kpu", "--institution", "X", "--scopes", "registry.verify", "--expires", "besok"], "--expires"),
])
def test_bad_input_names_the_option_and_issues_nothing(cast, args, field):
    with pytest.raises(CommandError, match=field):
        run("issue", *args)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_revoking_an_unknown_token_is_an_error(cast):
    with pytest.raises(CommandError, match="tidak ada"):
        run("revoke", "00000000")
