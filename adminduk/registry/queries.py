"""The one choke point for reading personal data from the register.

Every read of a person, a family or a list of them goes through a function here: it
takes the acting user and a purpose, applies the user's jurisdiction, and writes the
audit row. Views, API endpoints, admin pages and exports call these; nothing else
queries Person or Family for display.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from adminduk.audit.actions import record as audit_record

from .models import Family, Person


class NotFound(Exception):
    """No such record in the caller's jurisdiction (deliberately the same answer for
    'does not exist' and 'outside your area' would leak existence; see `get_person_by_nik`)."""


class OutOfJurisdiction(PermissionDenied):
    """The record exists but lies outside the user's area."""


def _require_reader(user, purpose: str) -> str:
    if not purpose or not purpose.strip():
        raise PermissionDenied("tujuan akses wajib diisi")
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        raise PermissionDenied("peran ini tidak boleh membaca data perseorangan")
    return code


def persons_in_scope(user) -> QuerySet[Person]:
    """All persons the user may see. Not audited by itself: callers that show rows
    use the functions below, which record what was shown."""
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        return Person.objects.none()
    return Person.objects.in_area(code)


def families_in_scope(user) -> QuerySet[Family]:
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        return Family.objects.none()
    return Family.objects.in_area(code)


def get_person_by_nik(user, nik: str, *, purpose: str, ip: str = "") -> Person:
    """One person by exact NIK, within jurisdiction. Raises NotFound or OutOfJurisdiction;
    a refused attempt is audited too."""
    code = _require_reader(user, purpose)
    person = Person.objects.select_related("family", "family__kelurahan").filter(nik=nik).order_by("pk").first()
    if person is None:
        audit_record(user, "person.read.not_found", purpose=purpose, query=f"nik={nik}", row_count=0, ip=ip)
        raise NotFound(nik)
    if not user.in_jurisdiction(person.family.kelurahan_id):
        audit_record(user, "person.read.refused", purpose=purpose, niks=[nik], row_count=0, ip=ip)
        raise OutOfJurisdiction(f"NIK {nik} di luar wilayah kerja {code}")
    audit_record(user, "person.read", purpose=purpose, niks=[nik], row_count=1, ip=ip)
    return person


def get_family_by_kk(user, kk: str, *, purpose: str, ip: str = "") -> tuple[Family, list[Person]]:
    code = _require_reader(user, purpose)
    family = Family.objects.select_related("kelurahan").filter(kk=kk).first()
    if family is None:
        audit_record(user, "family.read.not_found", object_type="family", purpose=purpose, query=f"kk={kk}",
                     row_count=0, ip=ip)
        raise NotFound(kk)
    if not user.in_jurisdiction(family.kelurahan_id):
        audit_record(user, "family.read.refused", object_type="family", purpose=purpose, query=f"kk={kk}",
                     row_count=0, ip=ip)
        raise OutOfJurisdiction(f"KK {kk} di luar wilayah kerja {code}")
    members = list(family.members.order_by("birth_date"))
    audit_record(user, "family.read", object_type="family", purpose=purpose, query=f"kk={kk}",
                 niks=[m.nik for m in members], row_count=len(members), ip=ip)
    return family, members
