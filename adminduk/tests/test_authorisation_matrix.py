"""The authorisation matrix: every staff view and every API endpoint × every role ×
a record inside and outside the user's jurisdiction. Fails on any leak.

How it stays complete: the URL resolver and the API are walked, and every URL must be
classified below. A new view or endpoint without a line here fails
`test_every_url_and_endpoint_is_classified` with the name to add; once classified,
it is requested as every role and the response is searched for personal data the
role may not see (the names and NIKs of the residents planted in four kelurahan).

Run with the second factor enforced: each role logs in with a verified session.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from adminduk.accounts.models import Role
from adminduk.accounts.testing import login_verified
from adminduk.accounts.tokens import PERSON_FIELDS, issue_token
from adminduk.api import api
from adminduk.registry.choices import KtpState
from adminduk.testing import CAKUNG_BARAT, GAMBIR, KEBON_KELAPA, PULAU_PANGGANG, make_family, make_person

# --- The residents planted for the matrix: one per area, with unmistakable names. -----

AREAS = {"gambir": GAMBIR, "kebon_kelapa": KEBON_KELAPA, "cakung": CAKUNG_BARAT, "seribu": PULAU_PANGGANG}
RESIDENT_NAMES = {
    "gambir": "Zakaria Matriksgambir",
    "kebon_kelapa": "Yohana Matrikskebon",
    "cakung": "Xaverius Matrikscakung",
    "seribu": "Wulan Matriksseribu",
}
MOTHER = "Ibu Rahasiamatriks"

# Which planted residents each role may see (by the role's area, not by its name).
VISIBLE = {
    "officer_gambir": {"gambir"},
    "kecamatan_gambir": {"gambir", "kebon_kelapa"},
    "sudin_jaktim": {"cakung"},
    "dinas": set(AREAS),
    "dprd": set(),
    "kpu": set(),
    "auditor": set(),
}
ROLES = list(VISIBLE)
READERS = {r for r in ROLES if VISIBLE[r]}


def inside_and_outside(role: str) -> list[str]:
    """Targets to request as this role: one inside (if any) and one outside (if any)."""
    inside = sorted(VISIBLE[role])
    outside = sorted(set(AREAS) - VISIBLE[role])
    return inside[:1] + outside[:1]


# --- Classification of every URL. ------------------------------------------------------


@dataclass
class Spec:
    """kind: 'public' (no login), 'staff' (any verified user; checked for leaks),
    'persons' (person readers only, inside their jurisdiction; others get 403),
    'auditor' (the audit log: auditors only, who may see NIKs there but no names).
    `args(resident)` fills the URL's arguments from a planted resident."""

    kind: str
    args: object = None
    allowed: set = field(default_factory=set)  # roles that must get 200 for an inside target


def _person(r):
    return {"pk": r.pk}


def _family(r):
    return {"pk": r.family_id}


def _kelurahan(r):
    return {"code": r.family.kelurahan_id}


VIEWS = {
    "home": Spec("staff"),
    "set_language": Spec("public"),
    "accounts:login": Spec("public"),
    "accounts:otp": Spec("public"),
    "accounts:logout": Spec("public"),
    "registry:search": Spec("persons", allowed=READERS),
    "registry:person": Spec("persons", _person, allowed=READERS),
    "registry:family": Spec("persons", _family, allowed=READERS),
    "documents:lookup": Spec("staff"),
    "documents:record": Spec("staff", lambda r: {"nik": r.nik}),
    "cardstock:dashboard": Spec("staff"),
    "cardstock:queue_pick": Spec("staff"),
    "cardstock:queue": Spec("staff", _kelurahan),
    "cardstock:ledger": Spec("staff"),
    "cardstock:receipt": Spec("staff"),
    "cardstock:transfer": Spec("staff"),
    "cardstock:adjust": Spec("staff"),
    "cardstock:sukets": Spec("staff"),
    "coverage:dashboard": Spec("staff"),
    "coverage:league": Spec("staff"),
    "coverage:targets": Spec("staff"),
    "coverage:definitions": Spec("staff"),
    # No reconciliation run exists in this fixture: these are checked for leaks and for
    # the login requirement only (the elections tests cover their own roles).
    "elections:index": Spec("staff"),
    "elections:summary": Spec("staff", lambda r: {"pk": 1}),
    "elections:worklist": Spec("staff", lambda r: {"pk": 1, "code": r.family.kelurahan_id}),
    "elections:dprd": Spec("staff"),
    "oversight:page": Spec("staff"),
    "oversight:report": Spec("staff"),
    # The audit log holds NIKs (what was accessed): auditors only, nobody else.
    "audit:log": Spec("auditor", allowed={"auditor"}),
    # The API's own URLs are classified per operation in ENDPOINTS below.
    "api:*": Spec("api"),
    # Django's admin: staff flag only; it registers no register or audit model (tested below).
    "admin:*": Spec("admin"),
}

# API operations: "METHOD /api/path" → the roles whose (maximal) token must get 200 for
# a resident inside their jurisdiction (an empty set: checked for leaks only). Every
# call, allowed or not, must answer without personal data the role may not see.
ENDPOINTS = {
    "GET /api/openapi.json": "public",
    "GET /api/docs": "public",
    "GET /api/accounts/token": set(ROLES),
    "POST /api/registry/verify": set(ROLES),
    "GET /api/registry/persons/{nik}": READERS,
    "GET /api/cardstock/backlog": set(),
    "GET /api/cardstock/scenario/{name}": set(),
    "GET /api/elections/dp4": set(),
    "GET /api/elections/dp4/{copy_id}/{fmt}": set(),
    "GET /api/elections/lists/{run_id}": set(),
    "POST /api/elections/lists": set(),
}
# Values for path parameters of API endpoints (a resident's NIK where one is asked for).
PATH_PARAMS = {"nik": lambda r: r.nik, "copy_id": lambda r: "1", "fmt": lambda r: "csv",
               "run_id": lambda r: "1", "name": lambda r: "dasar"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace + (p.name or "")


def url_names() -> dict[str, str]:
    names = {}
    for route, name in _walk(get_resolver().url_patterns):
        ns = name.split(":")[0] + ":*" if ":" in name else None
        key = ns if ns in ("api:*", "admin:*") else name
        names[key] = route
    return names


def api_operations() -> list[tuple[str, str]]:
    ops = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    ops.append((method, "/api" + (prefix + path).replace("//", "/").rstrip("/")))
    ops += [("GET", "/api/openapi.json"), ("GET", "/api/docs")]
    return sorted(set(ops))


def test_every_url_and_endpoint_is_classified():
    unnamed = [route for route, name in _walk(get_resolver().url_patterns) if not name]
    assert not unnamed, f"give these URLs a name so the matrix can classify them: {unnamed}"
    missing = sorted(set(url_names()) - set(VIEWS))
    assert not missing, ("new staff URLs are not in the authorisation matrix; add them to VIEWS in "
                         f"adminduk/tests/test_authorisation_matrix.py: {missing}")
    ops = {f"{m} {p}" for m, p in api_operations()}
    missing_ops = sorted(ops - set(ENDPOINTS))
    assert not missing_ops, f"new API endpoints are not in the authorisation matrix (ENDPOINTS): {missing_ops}"


# --- Fixtures ----------------------------------------------------------------------------


@pytest.fixture
def world(cast, settings):
    settings.ADMINDUK_REQUIRE_OTP = True
    residents = {}
    for key, code in AREAS.items():
        family = make_family(code)
        residents[key] = make_person(family, name=RESIDENT_NAMES[key], birth_date=dt.date(1980, 1, 15),
                                     mother_name=MOTHER, ktp_state=KtpState.PRINT_READY_RECORD)
    return residents


def forbidden_text(role: str, residents, *, allow_niks: bool = False) -> dict[str, str]:
    """Personal data the role must never receive: names and NIKs of residents outside
    its view, and their mother's name (a verification secret) for everyone outside."""
    out = {}
    for key, person in residents.items():
        if key in VISIBLE[role]:
            continue
        out[f"name of {key}"] = person.name
        if not allow_niks:
            out[f"NIK of {key}"] = person.nik
    return out


def assert_no_leak(role, residents, body: str, where: str, *, allow_niks=False):
    leaks = [label for label, text in forbidden_text(role, residents, allow_niks=allow_niks).items() if text in body]
    assert not leaks, f"{role} received {leaks} from {where}"


def _url(route_name: str, spec: Spec, resident) -> str:
    from django.urls import reverse

    return reverse(route_name, kwargs=spec.args(resident) if spec.args else None)


# --- Staff views -------------------------------------------------------------------------


STAFF_VIEWS = [name for name, spec in VIEWS.items() if spec.kind in ("staff", "persons", "auditor")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_VIEWS)
def test_staff_view_shows_each_role_only_what_it_may_see(client, cast, world, name):
    # One test per view, every role inside it: the fixture is built once per view.
    for role in ROLES:
        _check_view(client, cast, world, name, role)


def _check_view(client, cast, world, name, role):
    spec = VIEWS[name]
    login_verified(client, cast[role])
    targets = inside_and_outside(role) if spec.args else [None]
    for target in targets:
        resident = world[target] if target else None
        url = _url(name, spec, resident)
        if spec.kind == "persons":
            url += "?tujuan=pelayanan"
        response = client.get(url)
        # A NIK the caller put in the URL may come back (the language form's "next", an
        # error naming it): not a leak. Anything else about that resident is.
        body = response.content.decode(errors="replace")
        for given in re.findall(r"\d{16}", url):
            body = body.replace(given, "")
        assert_no_leak(role, world, body, url, allow_niks=spec.kind == "auditor" and role == "auditor")
        if spec.kind == "auditor":
            expected = 200 if role in spec.allowed else 403
            assert response.status_code == expected, f"{role} GET {url}: {response.status_code}, expected {expected}"
        if spec.kind == "persons":
            inside = target is None or target in VISIBLE[role]
            expected = 200 if (role in spec.allowed and inside) else 403
            assert response.status_code == expected, f"{role} GET {url}: {response.status_code}, expected {expected}"
            if expected == 200 and target:
                assert world[target].name in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_person_search_never_returns_anyone_outside_the_jurisdiction(client, cast, world, role):
    login_verified(client, cast[role])
    searches = [{"nama": "Matriks"}]
    for person in world.values():
        searches += [{"nama": person.name}, {"nama": person.name.split()[1]},
                     {"nama": person.name, "tanggal_lahir": person.birth_date.isoformat()},
                     {"nik": person.nik}, {"kk": person.family.kk}]
    for data in searches:
        response = client.post("/penduduk/cari/", {"tujuan": "pelayanan", **data}, follow=True)
        body = response.content.decode()
        for given in data.values():  # the form shows back what the caller typed: not a leak
            body = body.replace(f'value="{given}"', "")
        assert_no_leak(role, world, body, f"search {data}")
        if role not in READERS:
            assert response.status_code == 403
    # And the search does find the residents the role may see.
    for key in VISIBLE[role]:
        response = client.post("/penduduk/cari/", {"tujuan": "pelayanan", "nama": world[key].name})
        assert world[key].name in response.content.decode(), f"{role} cannot find {key}"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page_everywhere(client, world):
    for name, spec in VIEWS.items():
        if spec.kind not in ("staff", "persons", "auditor"):
            continue
        url = _url(name, spec, world["gambir"])
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/akun/masuk/"), url


@pytest.mark.django_db
def test_the_admin_needs_the_second_factor(client, cast, world):
    client.force_login(cast["dinas"])  # password only
    assert client.get("/admin/").url.startswith("/akun/masuk/")


def _admin_urls(world) -> list[str]:
    from django.contrib import admin
    from django.urls import reverse

    urls = []
    for model in admin.site._registry:
        if model._meta.app_label not in ("registry", "audit", "accounts"):
            continue
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        urls += [changelist, changelist + "?q=Matriks"]
        if model._meta.label == "registry.Person":
            urls += [reverse("admin:registry_person_change", args=[p.pk]) for p in world.values()]
        if model._meta.label == "registry.Family":
            urls += [reverse("admin:registry_family_change", args=[p.family_id]) for p in world.values()]
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_shows_even_a_superuser_only_their_jurisdiction(client, cast, world, role):
    user = cast[role]
    user.is_staff = user.is_superuser = True  # the strongest case: every model permission
    user.save()
    login_verified(client, user)
    for url in _admin_urls(world):
        response = client.get(url, follow=True)
        assert_no_leak(role, world, response.content.decode(), url, allow_niks=role == "auditor")


# --- API -----------------------------------------------------------------------------------


def _token(user) -> str:
    scopes = ["registry.verify"] + (["registry.read"] if user.role in READERS_ROLES else [])
    _, secret = issue_token(user, institution=user.institution or "Uji", name="matriks", scopes=scopes,
                            fields=list(PERSON_FIELDS))
    return secret


READERS_ROLES = {Role.KELURAHAN, Role.KECAMATAN, Role.SUDIN, Role.DINAS}


def _call(client, method, path, resident, **headers):
    for name in re.findall(r"{(\w+)}", path):
        assert name in PATH_PARAMS, f"add a value for the path parameter {{{name}}} to PATH_PARAMS"
        path = path.replace(f"{{{name}}}", PATH_PARAMS[name](resident))
    if method == "GET":
        return client.get(path, {"purpose": "pelayanan"}, **headers)
    body = {"nik": resident.nik, "name": resident.name, "birth_date": resident.birth_date.isoformat(),
            "purpose": "pelayanan"}
    return client.generic(method, path, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", [op for op in api_operations()])
def test_api_endpoint_without_a_token_gives_nothing(client, cast, world, method, path):
    if ENDPOINTS.get(f"{method} {path}") == "public":
        return
    for key in AREAS:
        response = _call(client, method, path, world[key])
        assert response.status_code in (401, 403), f"{method} {path} without token: {response.status_code}"
        assert_no_leak("dprd", world, response.content.decode(), f"{method} {path}")


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", [op for op in api_operations()])
def test_api_endpoint_shows_each_role_only_what_it_may_see(client, cast, world, method, path):
    allowed = ENDPOINTS.get(f"{method} {path}", set())
    if allowed == "public":
        return
    for role in ROLES:
        _check_endpoint(client, cast, world, method, path, role, allowed)


def _check_endpoint(client, cast, world, method, path, role, allowed):
    token = _token(cast[role])
    for key in inside_and_outside(role):
        response = _call(client, method, path, world[key], HTTP_AUTHORIZATION=f"Bearer {token}")
        body = response.content.decode()
        # A verification answer is match/no_match per field: the stored name never comes back.
        assert MOTHER not in body or key in VISIBLE[role], f"{role} {method} {path} leaked the mother's name"
        assert_no_leak(role, world, body.replace(world[key].nik, "") if method == "POST" else body,
                       f"{method} {path} for {key}")
        if key in VISIBLE[role] and role in allowed:
            assert response.status_code == 200, f"{role} {method} {path} for {key}: {response.status_code}"
