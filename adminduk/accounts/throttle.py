"""Throttling and lockout of failed logins (password and second factor).

Rule: LOCKOUT_FAILURES failures for one username, or LOCKOUT_IP_FAILURES from one
address, within LOCKOUT_MINUTES lock that username or address until the oldest
counted failure leaves the window. The lock is checked before the password, so a
locked account cannot be guessed at. The per-address limit is higher than the
per-user one because a kelurahan office sits behind one NAT address: one clumsy
colleague must not lock out the whole desk, but a script trying many usernames is
stopped.
"""

import datetime as dt
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone

from adminduk.audit.actions import record as audit_record

from .models import LoginFailure, User

AUTH_PURPOSE = "autentikasi"


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ADMINDUK_LOCKOUT_MINUTES)


def locked_until(username: str, ip: str) -> dt.datetime | None:
    """When the lock on this username or address ends, or None if not locked."""
    since = timezone.now() - _window()
    ends = []
    for field, value, limit in (("username", username.lower(), settings.ADMINDUK_LOCKOUT_FAILURES),
                                ("ip", ip, settings.ADMINDUK_LOCKOUT_IP_FAILURES)):
        if not value:
            continue
        times = list(LoginFailure.objects.filter(**{field: value}, at__gte=since)
                     .order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            # Locked until the limit-th most recent failure leaves the window.
            ends.append(times[-1] + _window())
    return max(ends) if ends else None


def actor_for(username: str):
    """The audit actor for an attempt: the user if the name exists, else a stand-in
    carrying only the typed name (so guessing of usernames is visible in the log)."""
    user = User.objects.filter(username__iexact=username).first()
    return user or SimpleNamespace(pk=None, username=username[:150] or "-", role="")


def note_failure(username: str, ip: str, kind: str) -> dt.datetime | None:
    """Record a failed attempt (throttle row + audit row); return the lock end if this
    failure locked the username or address."""
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip, kind=kind)
    actor = actor_for(username)
    audit_record(actor, f"account.login.failed.{kind}", object_type="account", purpose=AUTH_PURPOSE,
                 query=f"username={username[:150]}", ip=ip)
    until = locked_until(username, ip)
    if until is not None:
        audit_record(actor, "account.lockout", object_type="account", purpose=AUTH_PURPOSE,
                     query=f"username={username[:150]} until={until.isoformat(timespec='seconds')}", ip=ip)
    return until


def note_refused_while_locked(username: str, ip: str) -> None:
    audit_record(actor_for(username), "account.login.locked", object_type="account", purpose=AUTH_PURPOSE,
                 query=f"username={username[:150]}", ip=ip)


def note_success(user, ip: str) -> None:
    LoginFailure.objects.filter(username=user.username.lower()).delete()
    audit_record(user, "account.login", object_type="account", purpose=AUTH_PURPOSE,
                 query=f"username={user.username}", ip=ip)
