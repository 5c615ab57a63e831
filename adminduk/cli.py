"""The `adminduk` console command: Django's management commands under one name.

`adminduk nik check ...`, `adminduk check-register`, `adminduk synth ...`. Hyphenated
names map to the underscore module names of the management commands.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "adminduk"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
