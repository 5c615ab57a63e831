"""Reference data: Pemilu 2024, polling day Wednesday 14 February 2024 (DOMAIN.md §3).

The DP4 for it was handed over on 14 Dec 2022 from Semester I 2022 population data,
hence the cut-off date 30 June 2022.
"""

import datetime as dt

from django.db import migrations

PEMILU_2024 = {"slug": "pemilu-2024", "name": "Pemilu 2024", "polling_day": dt.date(2024, 2, 14),
               "cutoff_date": dt.date(2022, 6, 30)}


def add(apps, schema_editor):
    Election = apps.get_model("elections", "Election")
    Election.objects.update_or_create(slug=PEMILU_2024["slug"], defaults=PEMILU_2024)


def remove(apps, schema_editor):
    Election = apps.get_model("elections", "Election")
    Election.objects.filter(slug=PEMILU_2024["slug"], extracts__isnull=True, reconciliations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_elections_extracts_reconciliations")]
    operations = [migrations.RunPython(add, remove)]
