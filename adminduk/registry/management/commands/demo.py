"""`adminduk demo`: set up (or reuse) the demo system. Idempotent.

Each app may provide `demo.py` with `setup(stdout)`; steps run in INSTALLED_APPS
order (areas, users, register, then what builds on it). A second run reuses what
exists: every step checks before it generates.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Siapkan sistem demo: wilayah, penduduk sintetis, pengguna demo (idempoten)."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            if not config.name.startswith("adminduk."):
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.setup(self.stdout)
