"""Shared bits of the elections commands."""

from django.core.management.base import CommandError


def get_election(slug: str):
    from adminduk.elections.models import Election

    election = Election.objects.filter(slug=slug).first()
    if election is None:
        known = ", ".join(Election.objects.values_list("slug", flat=True)) or "-"
        raise CommandError(f"--election: pemilihan {slug!r} tidak ada (yang ada: {known})")
    return election


def get_user(username: str | None):
    if not username:
        return None
    from adminduk.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--user: pengguna {username!r} tidak ada")
    return user
