"""Test helpers for logging in the way the app does: password and second factor."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp


def device_for(user) -> TOTPDevice:
    return otp.confirmed_device(user) or TOTPDevice.objects.create(user=user, name=otp.DEVICE_NAME, confirmed=True)


def login_verified(client, user) -> None:
    """A session as after a correct password and TOTP code (for views tested with the
    second factor enforced)."""
    device = device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
