"""Small realistic fixtures shared by every app's tests (the named cast of users).

Persons and families are made through `registry.actions`, the same path as the
app, so tests never build rows the system could not have built.
"""

import datetime as dt

from adminduk.accounts.models import Role, User
from adminduk.regions.loading import load_regions
from adminduk.registry import actions
from adminduk.registry.choices import Education, MaritalStatus, Occupation, Relation, Religion

GAMBIR = "31.71.01.1001"  # Kel. Gambir, Kec. Gambir, Jakarta Pusat
KEBON_KELAPA = "31.71.01.1002"  # same kecamatan
CAKUNG_BARAT = "31.75.06.1001"  # Jakarta Timur (Kec. Cakung)
PULAU_PANGGANG = "31.01.01.1001"  # Kepulauan Seribu

SYSTEM_REASON = "data uji"


def ensure_regions() -> None:
    load_regions()


def make_user(username: str, role: str, area: str | None = None, **extra) -> User:
    user = User.objects.create_user(username=username, password="kata-sandi-uji-123", role=role, area_id=area, **extra)
    return user


def cast() -> dict[str, User]:
    """The named users of STYLE.md §10."""
    ensure_regions()
    return {
        "officer_gambir": make_user("gambir", Role.KELURAHAN, GAMBIR),
        "kecamatan_gambir": make_user("kec.gambir", Role.KECAMATAN, "31.71.01"),
        "sudin_jaktim": make_user("sudin.jaktim", Role.SUDIN, "31.75"),
        "dinas": make_user("dinas.admin", Role.DINAS, "31"),
        "dprd": make_user("dprd", Role.DPRD),
        "kpu": make_user("kpu", Role.KPU, institution="KPU Provinsi DKI Jakarta"),
        "auditor": make_user("auditor", Role.AUDITOR),
    }


def make_family(kelurahan: str = GAMBIR, *, actor=None, rw="001", rt="002", street="Jl. Tanah Abang II No. 5", **kw):
    ensure_regions()
    return actions.do_register_family(kelurahan_code=kelurahan, rw=rw, rt=rt, street=street, actor=actor,
                                      reason=SYSTEM_REASON, **kw)


def person_data(**overrides) -> dict:
    data = {
        "name": "Budi Santoso",
        "sex": "L",
        "birth_place": "Jakarta",
        "birth_date": dt.date(1985, 3, 12),
        "religion": Religion.ISLAM,
        "marital_status": MaritalStatus.KAWIN,
        "relation": Relation.KEPALA_KELUARGA,
        "education": Education.SLTA,
        "occupation": Occupation.KARYAWAN_SWASTA,
    }
    data.update(overrides)
    return data


def make_person(family=None, *, actor=None, nik=None, **overrides):
    family = family or make_family(actor=actor)
    return actions.do_register_person(family=family, data=person_data(**overrides), actor=actor,
                                      reason=SYSTEM_REASON, nik=nik)
