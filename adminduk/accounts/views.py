"""Login in two steps: password, then the TOTP code (enrolling a device the first time).

Between the steps the session holds only the pending user's id and the time; the
user is logged in (and the session marked OTP-verified) only after a correct code.
Both steps share the lockout in `throttle`.
"""

import time

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from adminduk.audit.actions import client_ip

from . import otp, throttle
from .forms import CodeForm, PasswordForm
from .models import LoginFailure, User

PENDING_KEY = "adminduk_pending_login"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


def _locked_message(until) -> str:
    return _("Terlalu banyak percobaan masuk yang gagal. Akun atau alamat ini dikunci sementara sampai "
             "pukul %(time)s. Hubungi admin Dinas bila Anda memerlukan akses segera.") % {
        "time": time_format(timezone.localtime(until), "H:i")}


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    form = PasswordForm(request.POST or None)
    ip = client_ip(request)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        until = throttle.locked_until(username, ip)
        if until is not None:
            throttle.note_refused_while_locked(username, ip)
            form.add_error(None, _locked_message(until))
        else:
            user = auth.authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                until = throttle.note_failure(username, ip, LoginFailure.Kind.PASSWORD)
                form.add_error(None, _locked_message(until) if until else
                               _("Nama pengguna atau kata sandi salah."))
            else:
                request.session.cycle_key()
                request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": _next_url(request)}
                return redirect("accounts:otp")
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


def _pending_user(request) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, ""
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending.get("next") or settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("code")
@never_cache
def otp_view(request):
    user, next_url = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("accounts:login")
    ip = client_ip(request)
    device = otp.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = otp.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = throttle.locked_until(user.username, ip)
        if until is not None:
            throttle.note_refused_while_locked(user.username, ip)
            form.add_error("code", _locked_message(until))
        elif otp.confirm(device, form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            throttle.note_success(user, ip)
            return redirect(next_url)
        else:
            until = throttle.note_failure(user.username, ip, LoginFailure.Kind.OTP)
            form.add_error("code", _locked_message(until) if until else
                           _("Kode verifikasi salah atau sudah kedaluwarsa. Masukkan kode yang sedang tampil."))
    context = {"form": form, "enrolling": enrolling, "pending_user": user}
    if enrolling:
        context.update(qr_svg=otp.qr_svg(device), secret=otp.secret_b32(device))
    return render(request, "accounts/otp.html", context)
