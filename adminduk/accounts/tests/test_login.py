import io
import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from adminduk.accounts import otp
from adminduk.accounts.demo import DEMO_USERS, ensure_demo_users
from adminduk.accounts.testing import device_for, login_verified
from adminduk.audit.models import AuditEntry

PASSWORD = "kata-sandi-uji-123"
LOGIN = "/akun/masuk/"
CODE = "/akun/kode/"


@pytest.fixture
def otp_on(settings):
    settings.ADMINDUK_REQUIRE_OTP = True
    settings.ADMINDUK_LOCKOUT_FAILURES = 5
    settings.ADMINDUK_LOCKOUT_IP_FAILURES = 20
    settings.ADMINDUK_LOCKOUT_MINUTES = 15


def _password(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _code(client, code, ip="10.0.0.1"):
    return client.post(CODE, {"code": code}, REMOTE_ADDR=ip)


def _is_verified(client) -> bool:
    response = client.get("/", follow=False)
    return response.status_code == 200


@pytest.mark.django_db
def test_a_new_user_enrols_a_totp_device_on_first_login_and_is_then_verified(client, cast, otp_on):
    officer = cast["officer_gambir"]
    response = _password(client, officer.username)
    assert response.status_code == 302 and response.url == CODE
    page = client.get(CODE).content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR code is drawn inline, the URL not shown as text
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed and otp.secret_b32(device) == secret
    response = _code(client, otp.current_code(device))
    assert response.status_code == 302 and response.url == reverse("home")
    assert _is_verified(client)
    device.refresh_from_db()
    assert device.confirmed


@pytest.mark.django_db
def test_a_user_with_a_device_must_give_the_current_code(client, cast, otp_on):
    officer = cast["officer_gambir"]
    device = device_for(officer)
    _password(client, officer.username)
    page = client.get(CODE).content.decode()
    assert "<svg" not in page  # no enrolment once a device is confirmed
    wrong = f"{(int(otp.current_code(device)) + 1) % 1_000_000:06d}"
    response = _code(client, wrong)
    assert response.status_code == 200
    assert "Kode verifikasi salah" in response.content.decode()
    assert not _is_verified(client)


@pytest.mark.django_db
def test_the_password_alone_does_not_open_any_staff_page(client, cast, otp_on):
    officer = cast["officer_gambir"]
    device_for(officer)
    _password(client, officer.username)
    for path in ("/", "/penduduk/cari/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(LOGIN), path


@pytest.mark.django_db
def test_a_session_without_the_second_factor_is_logged_out(client, cast, otp_on):
    client.force_login(cast["officer_gambir"])
    response = client.get("/penduduk/cari/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    login_verified(client, cast["officer_gambir"])
    assert client.get("/penduduk/cari/").status_code == 200


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(client, cast, otp_on):
    officer = cast["officer_gambir"]
    for _ in range(4):
        response = _password(client, officer.username, "salah-salah")
        assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    response = _password(client, officer.username, "salah-salah")
    assert "dikunci sementara" in response.content.decode()
    response = _password(client, officer.username)  # the right password, still locked
    assert response.status_code == 200 and "dikunci sementara" in response.content.decode()
    # Another user at another address is not affected.
    assert _password(client, cast["kecamatan_gambir"].username, ip="10.0.0.2").status_code == 302
    actions = list(AuditEntry.objects.filter(username=officer.username).values_list("action", flat=True))
    assert actions.count("account.login.failed.password") == 5
    assert "account.lockout" in actions and "account.login.locked" in actions


@pytest.mark.django_db
def test_the_lock_ends_after_the_window(client, cast, otp_on, settings):
    import time_machine

    officer = cast["officer_gambir"]
    with time_machine.travel("2026-11-28 09:00 +0700", tick=False):
        for _ in range(5):
            _password(client, officer.username, "salah-salah")
        assert "dikunci" in _password(client, officer.username).content.decode()
    with time_machine.travel("2026-11-28 09:16 +0700", tick=False):
        assert _password(client, officer.username).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_lockout(client, cast, otp_on):
    officer = cast["officer_gambir"]
    device = device_for(officer)
    _password(client, officer.username)
    wrong = f"{(int(otp.current_code(device)) + 7) % 1_000_000:06d}"
    for _ in range(5):
        response = _code(client, wrong)
    assert "dikunci sementara" in response.content.decode()
    response = _code(client, otp.current_code(device))
    assert "dikunci sementara" in response.content.decode()
    assert not _is_verified(client)
    assert AuditEntry.objects.filter(action="account.login.failed.otp", username=officer.username).count() == 5


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked(client, cast, otp_on, settings):
    settings.ADMINDUK_LOCKOUT_IP_FAILURES = 6
    for i in range(6):
        _password(client, f"tebakan{i}", "salah-salah", ip="10.9.9.9")
    response = _password(client, cast["officer_gambir"].username, ip="10.9.9.9")
    assert "dikunci sementara" in response.content.decode()
    assert _password(client, cast["officer_gambir"].username, ip="10.9.9.8").status_code == 302
    # Unknown usernames are audited under the typed name, so guessing shows in the log.
    assert AuditEntry.objects.filter(username="tebakan3", action="account.login.failed.password").exists()


@pytest.mark.django_db
def test_a_successful_login_is_audited_and_clears_the_failures(client, cast, otp_on):
    officer = cast["officer_gambir"]
    device = device_for(officer)
    for _ in range(3):
        _password(client, officer.username, "salah-salah")
    _password(client, officer.username)
    _code(client, otp.current_code(device))
    entry = AuditEntry.objects.filter(action="account.login").get()
    assert entry.username == officer.username and entry.object_type == "account" and entry.ip == "10.0.0.1"
    client.logout()
    for _ in range(4):  # the three earlier failures no longer count
        _password(client, officer.username, "salah-salah")
    assert _password(client, officer.username).status_code == 302


@pytest.mark.django_db
def test_the_code_step_expires_and_cannot_be_reached_without_the_password(client, cast, otp_on):
    assert client.get(CODE).url == LOGIN
    officer = cast["officer_gambir"]
    device_for(officer)
    _password(client, officer.username)
    session = client.session
    session["adminduk_pending_login"]["at"] = time.time() - 301
    session.save()
    assert client.get(CODE).url == LOGIN


@pytest.mark.django_db
def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(client, cast, otp_on):
    officer = cast["officer_gambir"]
    device = device_for(officer)
    client.post(LOGIN + "?next=/penduduk/cari/", {"username": officer.username, "password": PASSWORD,
                                                   "next": "/penduduk/cari/"})
    assert _code(client, otp.current_code(device)).url == "/penduduk/cari/"
    client.logout()
    client.post(LOGIN, {"username": officer.username, "password": PASSWORD, "next": "https://evil.example/"})
    assert _code(client, otp.current_code(device, at=time.time() + 30)).url == reverse("home")


@pytest.mark.django_db
def test_demo_users_get_a_password_and_a_totp_secret_kept_in_var(settings, tmp_path, regions):
    settings.VAR_DIR = tmp_path
    first = ensure_demo_users()
    assert [r[0] for r in first] == [u[0] for u in DEMO_USERS]
    assert all(len(secret) == 32 for *_, secret in first)
    assert (tmp_path / "demo_logins.txt").stat().st_mode & 0o777 == 0o600
    assert ensure_demo_users() == first  # a second run reuses them
    out = io.StringIO()
    call_command("totp", "gambir", stdout=out)
    device = TOTPDevice.objects.get(user__username="gambir")
    assert out.getvalue().strip() == otp.current_code(device)


@pytest.mark.django_db
def test_every_response_carries_a_strict_content_security_policy(client):
    csp = client.get(LOGIN).headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
