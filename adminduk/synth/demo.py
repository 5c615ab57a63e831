"""`adminduk demo` step: the demo register (settings.DEMO_RESIDENTS, fixed seed).

Reuses what exists: a non-empty register is left alone, and generated files under
var/demo/ are loaded again rather than regenerated.
"""

import json
import time

from django.conf import settings
from django.core.management import call_command

from adminduk.registry.models import Person

from . import output
from .generator import GENERATOR_VERSION, generate


def demo_dir():
    return settings.VAR_DIR / "demo" / f"synth-{settings.DEMO_RESIDENTS}-{settings.DEMO_SEED}"


def _files_ready(folder) -> bool:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return False
    meta = json.loads(manifest.read_text())
    return meta.get("generator_version") == GENERATOR_VERSION and all((folder / f).is_file() for f in output.FILES)


def setup(stdout) -> None:
    if Person.objects.exists():
        stdout.write(f"register: {Person.objects.count():,} penduduk sudah ada, dipakai ulang")
        return
    folder = demo_dir()
    started = time.perf_counter()
    if not _files_ready(folder):
        stdout.write(f"register: membuat {settings.DEMO_RESIDENTS:,} penduduk sintetis (seed {settings.DEMO_SEED}) "
                     f"di {folder}")
        output.write(generate(settings.DEMO_RESIDENTS, settings.DEMO_SEED), folder)
    call_command("load", str(folder), reason="register demo (penduduk sintetis)", verbosity=0, stdout=stdout)
    stdout.write(f"register: demo siap dalam {time.perf_counter() - started:.1f} s")
