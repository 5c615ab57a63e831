"""The second factor: one TOTP device per user (RFC 6238, 30-second codes).

A user without a confirmed device enrols on first login: the app shows a QR code
(rendered here as inline SVG, nothing loaded from elsewhere) and the secret for
manual entry; the device is confirmed by the first correct code.
"""

import base64

import segno
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "adminduk"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (kept across page reloads so the QR code
    the user scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no external image, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1d2733", light="#ffffff")


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code an authenticator app shows now (for the demo `adminduk totp` command and tests)."""
    calc = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        calc.time = at
    return f"{calc.token():0{device.digits}d}"


def confirm(device: TOTPDevice, code: str) -> bool:
    """Check a code (django-otp also throttles the device and refuses a replayed code)."""
    if not (code.isdigit() and len(code) == device.digits):
        return False
    if device.verify_token(code):
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        return True
    return False
