import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from adminduk.accounts.models import LoginFailure, User
from adminduk.accounts.testing import device_for, login_verified
from adminduk.audit.models import AuditEntry


@pytest.fixture
def admin_client(client, cast):
    dinas = cast["dinas"]
    dinas.is_staff = dinas.is_superuser = True
    dinas.save()
    login_verified(client, dinas)
    return client


@pytest.mark.django_db
def test_the_dinas_resets_a_lost_second_factor_and_it_is_audited(admin_client, cast):
    officer = cast["officer_gambir"]
    device_for(officer)
    response = admin_client.post("/admin/accounts/user/", {"action": "reset_second_factor",
                                                             "_selected_action": [officer.pk]}, follow=True)
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEntry.objects.get(action="account.otp_reset").query == f"username={officer.username}"


@pytest.mark.django_db
def test_creating_a_user_with_a_role_and_area_is_audited(admin_client, regions):
    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "petugas.baru", "password1": "kata-sandi-panjang-42", "password2": "kata-sandi-panjang-42",
        "role": "kelurahan", "area": "31.71.01.1002", "institution": "Kelurahan Kebon Kelapa"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="petugas.baru")
    assert user.jurisdiction_code == "31.71.01.1002"
    entry = AuditEntry.objects.get(action="account.create")
    assert "role=kelurahan area=31.71.01.1002" in entry.query


@pytest.mark.django_db
def test_deleting_login_failures_unlocks_and_is_audited(admin_client, cast):
    failure = LoginFailure.objects.create(username="gambir", ip="10.0.0.1", kind="password")
    admin_client.post(f"/admin/accounts/loginfailure/{failure.pk}/delete/", {"post": "yes"})
    assert not LoginFailure.objects.exists()
    assert AuditEntry.objects.get(action="account.unlock").query == "username=gambir"
