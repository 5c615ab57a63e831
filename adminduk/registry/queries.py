"""The one choke point for reading personal data from the register.

Every read of a person, a family or a list of them goes through a function here: it
takes the acting user and a purpose, applies the user's jurisdiction, and writes the
audit row. Views, API endpoints, admin pages and exports call these; nothing else
queries Person or Family for display.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from adminduk.accounts.models import Role
from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Level, Region

from . import search
from .choices import LifeStatus
from .models import Family, History, Person
from .names import name_key


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
    # No ORDER BY in SQL: "ORDER BY id LIMIT 1" can lead PostgreSQL to walk the primary
    # key instead of the NIK index. A NIK has at most a handful of rows (duplicates).
    rows = list(Person.objects.select_related("family", "family__kelurahan").filter(nik=nik)[:10])
    person = min(rows, key=lambda p: p.pk) if rows else None
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


# --- Search and the staff pages ------------------------------------------------------

# Why the officer opens the record (UU 27/2022 Pasal 31: purpose of processing). The
# code goes into every audit row of the read.
PURPOSES = [
    ("pelayanan", _("Pelayanan dokumen kependudukan")),
    ("verifikasi", _("Verifikasi data penduduk")),
    ("pemutakhiran", _("Pemutakhiran data")),
    ("pengaduan", _("Penanganan pengaduan")),
    ("jemput_bola", _("Jemput bola / layanan keliling")),
    ("supervisi", _("Supervisi dan pengendalian")),
]
PURPOSE_CODES = frozenset(code for code, _label in PURPOSES)

# Roles that see full NIKs in result lists: the desk officers of a kelurahan and a
# kecamatan read the number back to the resident in front of them. Suku Dinas and Dinas
# supervise across many kelurahan: lists show 317101******0001 and the full number
# only on the (individually audited) person page.
FULL_NIK_IN_LISTS = frozenset({Role.KELURAHAN, Role.KECAMATAN})

SEARCH_LIMIT = 50
CANDIDATE_CAP = 500  # rows fetched per lookup before ranking
BIRTH_DATE_CAP = 3000  # persons born on one day considered for the loose match
LOOSE_MATCH_MIN = 0.5


def mask_nik(nik: str) -> str:
    return nik[:6] + "*" * 6 + nik[12:] if len(nik) == 16 else "*" * len(nik)


def nik_for_list(user, nik: str) -> str:
    return nik if getattr(user, "role", None) in FULL_NIK_IN_LISTS else mask_nik(nik)


@dataclass
class PersonRow:
    pk: int
    nik: str  # already masked for roles that do not see full NIKs in lists
    name: str
    sex: str
    birth_place: str
    birth_date: dt.date
    status: str
    kelurahan_code: str
    kelurahan_name: str
    score: float

    @property
    def status_label(self) -> str:
        return LifeStatus(self.status).label

    @property
    def alive(self) -> bool:
        return self.status == LifeStatus.HIDUP


@dataclass
class SearchResult:
    rows: list[PersonRow]
    more: bool  # more matches than shown: narrow with a birth date or kelurahan
    query: str


_ROW_FIELDS = ("id", "nik", "name", "name_key", "sex", "birth_place", "birth_date", "status", "family__kelurahan_id")


def _scope(user, qs: QuerySet[Person], kelurahan_code: str | None) -> QuerySet[Person]:
    if kelurahan_code:
        if not user.in_jurisdiction(kelurahan_code):
            raise OutOfJurisdiction(f"kelurahan {kelurahan_code} di luar wilayah kerja Anda")
        return qs.filter(family__kelurahan_id=kelurahan_code)
    code = user.jurisdiction_code
    if "." not in code:
        # The province: the register holds DKI only (every kelurahan is a DKI region row),
        # so the filter would only cost a join over all families.
        return qs
    if code.count(".") == 3:
        return qs.filter(family__kelurahan_id=code)
    # A code subtree as a range ("31.71." <= code < "31.71/"): an index range on both
    # databases, where LIKE is not (SQLite's LIKE is case-insensitive).
    return qs.filter(family__kelurahan__code__gte=code + ".", family__kelurahan__code__lt=code + "/")


def _kelurahan_names() -> dict[str, str]:
    global _KELURAHAN_NAMES
    if _KELURAHAN_NAMES is None:
        _KELURAHAN_NAMES = dict(Region.objects.filter(level=Level.KELURAHAN).values_list("code", "name"))
    return _KELURAHAN_NAMES


_KELURAHAN_NAMES = None


def _rows(user, found: dict[int, tuple], scores: dict[int, float]) -> list[PersonRow]:
    names = _kelurahan_names()
    ordered = sorted(found.values(), key=lambda r: (-scores[r[0]], r[2], r[6], r[0]))
    return [PersonRow(pk=r[0], nik=nik_for_list(user, r[1]), name=r[2], sex=r[4], birth_place=r[5], birth_date=r[6],
                      status=r[7], kelurahan_code=r[8], kelurahan_name=names.get(r[8], r[8]), score=scores[r[0]])
            for r in ordered]


def search_persons(user, *, purpose: str, name: str = "", nik: str = "", birth_date: dt.date | None = None,
                   kelurahan_code: str | None = None, ip: str = "", limit: int = SEARCH_LIMIT) -> SearchResult:
    """Persons in the user's jurisdiction by exact NIK, or by name (spelling-tolerant,
    see registry/search.py) with an optional birth date and kelurahan. Audited as one
    list query: the query text, the row count and the NIKs shown.

    A NIK that exists only outside the jurisdiction raises OutOfJurisdiction (audited):
    the officer learns the resident is registered elsewhere, not their data."""
    _require_reader(user, purpose)
    query = " ".join(f"{k}={v}" for k, v in (("nik", nik), ("nama", name), ("lahir", birth_date),
                                              ("kelurahan", kelurahan_code)) if v)
    found: dict[int, tuple] = {}
    scores: dict[int, float] = {}
    if nik:
        qs = _scope(user, Person.objects.filter(nik=nik), kelurahan_code)
        for row in qs.values_list(*_ROW_FIELDS)[:CANDIDATE_CAP]:
            found[row[0]], scores[row[0]] = row, 1.0
        if not found and Person.objects.filter(nik=nik).exists():
            audit_record(user, "person.search.refused", purpose=purpose, query=query, niks=[nik], row_count=0, ip=ip)
            raise OutOfJurisdiction("NIK ini terdaftar di luar wilayah kerja Anda")
    else:
        key = name_key(name)
        words = key.split()
        choices = search.word_choices(key) if words else []
        base = _scope(user, Person.objects.all(), kelurahan_code)
        if birth_date:
            base = base.filter(birth_date=birth_date)
        lookups = []
        if words:
            lookups.append(base.filter(name_key__in=search.candidate_keys(choices)))
            # Names that begin with the typed name: "budi" finds "budi santoso".
            lookups.append(base.filter(name_key__gt=key + " ", name_key__lt=key + "!"))
        for qs in lookups:
            for row in qs.values_list(*_ROW_FIELDS)[:CANDIDATE_CAP]:
                found[row[0]] = row
                scores[row[0]] = search.score(words, choices, row[3])
        if birth_date and words:
            # Everyone born that day, scored: catches reordered and missing words.
            for row in base.values_list(*_ROW_FIELDS)[:BIRTH_DATE_CAP]:
                if row[0] not in found:
                    s = search.score(words, choices, row[3])
                    if s >= LOOSE_MATCH_MIN:
                        found[row[0]], scores[row[0]] = row, s
    rows = _rows(user, found, scores)
    shown = rows[:limit]
    audit_record(user, "person.search", purpose=purpose, query=query, niks=[found[r.pk][1] for r in shown],
                 row_count=len(shown), ip=ip)
    return SearchResult(rows=shown, more=len(rows) > limit, query=query)


def find_family_id(user, kk: str, *, purpose: str, ip: str = "") -> int:
    """The id of the family with this KK number, within jurisdiction (audited lookup;
    the family page then audits the read of its members)."""
    _require_reader(user, purpose)
    family = Family.objects.filter(kk=kk).values_list("pk", "kelurahan_id").first()
    if family is None:
        audit_record(user, "family.search", object_type="family", purpose=purpose, query=f"kk={kk}", row_count=0,
                     ip=ip)
        raise NotFound(kk)
    if not user.in_jurisdiction(family[1]):
        audit_record(user, "family.search.refused", object_type="family", purpose=purpose, query=f"kk={kk}",
                     row_count=0, ip=ip)
        raise OutOfJurisdiction("nomor KK ini terdaftar di luar wilayah kerja Anda")
    audit_record(user, "family.search", object_type="family", purpose=purpose, query=f"kk={kk}", row_count=1, ip=ip)
    return family[0]


@dataclass
class PersonRecord:
    person: Person
    members: list[Person]
    history: list[History]
    accesses: list


def get_person_record(user, pk: int, *, purpose: str, ip: str = "") -> PersonRecord:
    """Everything the person page shows: the person, the family members, the history
    and who accessed this person. Two audit rows: the person read and the members shown."""
    code = _require_reader(user, purpose)
    person = Person.objects.select_related("family", "family__kelurahan", "family__kelurahan__parent").filter(pk=pk).first()
    if person is None:
        audit_record(user, "person.read.not_found", purpose=purpose, query=f"id={pk}", row_count=0, ip=ip)
        raise NotFound(pk)
    if not user.in_jurisdiction(person.family.kelurahan_id):
        audit_record(user, "person.read.refused", purpose=purpose, niks=[person.nik], row_count=0, ip=ip)
        raise OutOfJurisdiction(f"penduduk ini di luar wilayah kerja {code}")
    audit_record(user, "person.read", purpose=purpose, niks=[person.nik], row_count=1, ip=ip)
    members = list(person.family.members.exclude(pk=person.pk).order_by("birth_date"))
    if members:
        audit_record(user, "family.read", object_type="family", purpose=purpose, query=f"kk={person.family.kk}",
                     niks=[m.nik for m in members], row_count=len(members), ip=ip)
    history = list(person.history.select_related("actor")[:50])
    return PersonRecord(person=person, members=members, history=history, accesses=person_accesses(user, person))


def get_family_by_id(user, pk: int, *, purpose: str, ip: str = "") -> tuple[Family, list[Person]]:
    code = _require_reader(user, purpose)
    family = Family.objects.select_related("kelurahan").filter(pk=pk).first()
    if family is None:
        audit_record(user, "family.read.not_found", object_type="family", purpose=purpose, query=f"id={pk}",
                     row_count=0, ip=ip)
        raise NotFound(pk)
    if not user.in_jurisdiction(family.kelurahan_id):
        audit_record(user, "family.read.refused", object_type="family", purpose=purpose, query=f"kk={family.kk}",
                     row_count=0, ip=ip)
        raise OutOfJurisdiction(f"KK ini di luar wilayah kerja {code}")
    members = list(family.members.order_by("birth_date"))
    audit_record(user, "family.read", object_type="family", purpose=purpose, query=f"kk={family.kk}",
                 niks=[m.nik for m in members], row_count=len(members), ip=ip)
    return family, members


def person_accesses(user, person: Person, limit: int = 50) -> list:
    """Who accessed this person (the audit engineer's choke point for the audit log)."""
    from adminduk.audit.queries import accesses_for_nik

    return accesses_for_nik(user, person.nik, limit=limit)


def kelurahan_choices(user) -> list[tuple[str, str]]:
    """The kelurahan a user may filter a search by: those inside their area."""
    code = getattr(user, "jurisdiction_code", None)
    if code is None:
        return []
    return list(Region.objects.kelurahan_under(code).values_list("code", "name"))
