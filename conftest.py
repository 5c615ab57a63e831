"""Suite-wide test settings: fast hashing, sealed, browser launch on Debian's Chromium."""

import os
import shutil

import pytest

# Browser tests: Debian's chromium, never Playwright's download (no network here).
CHROMIUM = os.environ.get("ADMINDUK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(autouse=True)
def _fast_and_sealed(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EXPORT_DIR = tmp_path / "exports"
    # Views are tested with client.force_login (password only). The second factor is
    # enforced and tested in accounts/tests and adminduk/tests (authorisation matrix).
    settings.ADMINDUK_REQUIRE_OTP = False
    yield
    # A request in English (LocaleMiddleware) leaves English active in the worker's
    # thread; a later test in that worker (a command, a PDF) would then render in
    # English. Each test starts from the default language, as each process does.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(config, items):
    # On a developer machine without Chromium the browser tests are skipped with a
    # reason; in CI (CI=1) a missing browser is a failure, never a skip.
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def regions(db):
    from adminduk.testing import ensure_regions

    ensure_regions()


@pytest.fixture
def cast(db):
    """The named users: officer_gambir, kecamatan_gambir, sudin_jaktim, dinas, dprd, kpu, auditor."""
    from adminduk.testing import cast as make_cast

    return make_cast()
