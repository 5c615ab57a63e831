"""Reference elections (also created by migration 0002; tests that flush the database
and the demo call `ensure_reference_elections`)."""

import datetime as dt

from .models import Election

PEMILU_2024 = {"slug": "pemilu-2024", "name": "Pemilu 2024", "polling_day": dt.date(2024, 2, 14),
               "cutoff_date": dt.date(2022, 6, 30)}


def ensure_reference_elections() -> Election:
    election, _ = Election.objects.get_or_create(slug=PEMILU_2024["slug"], defaults=PEMILU_2024)
    return election
