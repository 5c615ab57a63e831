"""Every change to a person or a family: one named function each.

Each runs in a transaction, validates first (django ValidationError keyed by field,
messages in Bahasa Indonesia), writes the row, a History row with the acting user
and the reason, and an audit row. Nothing else saves register rows (the bulk loader
and the importer write a LoadBatch instead of per-row history).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Level, Region

from . import nik as nikrules
from .choices import LifeStatus, MaritalStatus, Relation
from .models import Family, History, Person
from .names import name_key

# Fields an officer may change through do_update_person. NIK, family, status and
# documents have their own actions with their own rules.
EDITABLE_PERSON_FIELDS = (
    "name", "sex", "birth_place", "birth_date", "blood_type", "religion", "marital_status", "relation",
    "disability", "education", "occupation", "citizenship", "father_name", "father_nik", "mother_name",
    "mother_nik", "birth_cert_no", "marriage_cert_no",
)
EDITABLE_FAMILY_FIELDS = ("kelurahan_id", "rw", "rt", "street")


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "alasan perubahan wajib diisi"})


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _write_history(actor, action, reason, *, person=None, family=None, changes=None) -> History:
    return History.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        person=person,
        family=family,
        action=action,
        reason=reason,
        changes={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in (changes or {}).items()},
    )


def _validate_rt_rw(rt: str, rw: str) -> dict:
    errors = {}
    for field, value in (("rt", rt), ("rw", rw)):
        if not (value and value.isdigit() and 1 <= len(value) <= 3 and int(value) > 0):
            errors[field] = f"{field.upper()} harus angka 1-3 digit, bukan 0"
    return errors


def _kelurahan(code: str) -> Region:
    region = Region.objects.filter(code=code, level=Level.KELURAHAN).first()
    if region is None:
        raise ValidationError({"kelurahan": f"kelurahan {code!r} tidak ada dalam kode wilayah Kemendagri DKI"})
    return region


@transaction.atomic
def do_register_family(*, kelurahan_code: str, rw: str, rt: str, street: str, actor, reason: str,
                       kk: str | None = None, issued_on: dt.date | None = None) -> Family:
    """Open a new KK at an address. Issues the next KK number when none is given."""
    _require_reason(reason)
    kelurahan = _kelurahan(kelurahan_code)
    errors = _validate_rt_rw(rt, rw)
    if not street.strip():
        errors["street"] = "alamat wajib diisi"
    issued_on = issued_on or timezone.localdate()
    if kk is None:
        stem = nikrules.kk_stem(kelurahan.code, issued_on)
        taken = Family.objects.filter(kk__startswith=stem).values_list("kk", flat=True)
        kk = nikrules.next_kk(kelurahan.code, issued_on, taken)
    else:
        for finding in nikrules.check_kk(kk):
            errors["kk"] = finding.message
        if "kk" not in errors and Family.objects.filter(kk=kk).exists():
            errors["kk"] = f"nomor KK {kk} sudah terdaftar"
    if errors:
        raise ValidationError(errors)
    family = Family.objects.create(kk=kk, kelurahan=kelurahan, rw=rw.zfill(3), rt=rt.zfill(3), street=street.strip(),
                                   issued_on=issued_on)
    _write_history(actor, "family.register", reason, family=family)
    audit_record(actor, "family.register", object_type="family", purpose=reason, query=f"kk={kk}", row_count=1)
    return family


def _validate_person_data(data: dict, *, family: Family, exclude_pk=None) -> dict:
    errors = {}
    required = ("name", "sex", "birth_place", "birth_date", "religion", "marital_status", "relation", "education",
                "occupation")
    for field in required:
        if data.get(field) in (None, ""):
            errors[field] = "wajib diisi"
    name = (data.get("name") or "").strip()
    if name and (len(name) < 2 or not any(c.isalpha() for c in name)):
        errors["name"] = "nama harus berisi huruf, paling sedikit 2 karakter"
    birth_date = data.get("birth_date")
    if isinstance(birth_date, dt.date) and birth_date > timezone.localdate():
        errors["birth_date"] = "tanggal lahir tidak boleh di masa depan"
    if data.get("relation") == Relation.KEPALA_KELUARGA:
        heads = family.members.filter(relation=Relation.KEPALA_KELUARGA, status=LifeStatus.HIDUP)
        if exclude_pk:
            heads = heads.exclude(pk=exclude_pk)
        if heads.exists():
            errors["relation"] = "KK ini sudah mempunyai kepala keluarga"
    if data.get("relation") in (Relation.SUAMI, Relation.ISTRI) and data.get("marital_status") == MaritalStatus.BELUM_KAWIN:
        errors["marital_status"] = "suami/istri tidak boleh berstatus belum kawin"
    for field in ("father_nik", "mother_nik"):
        value = data.get(field) or ""
        if value and not nikrules.is_valid_nik(value):
            errors[field] = "NIK orang tua tidak sah (harus 16 digit dengan tanggal yang benar)"
    # Choice fields are checked against the model's choices.
    for field in ("sex", "religion", "marital_status", "relation", "education", "occupation", "citizenship",
                  "blood_type", "disability"):
        if field in data and field not in errors:
            choices = {c for c, _ in Person._meta.get_field(field).choices}
            if data[field] not in choices:
                errors[field] = f"nilai {data[field]!r} tidak dikenal"
    return errors


@transaction.atomic
def do_register_person(*, family: Family, data: dict, actor, reason: str, nik: str | None = None) -> Person:
    """Add a person to a family. Issues the next free NIK for the family's kecamatan
    and the birth date unless a NIK (e.g. from another region) is given."""
    _require_reason(reason)
    errors = _validate_person_data(data, family=family)
    unknown = set(data) - set(EDITABLE_PERSON_FIELDS) - {"status", "ktp_state", "kia_issued_on", "ikd_activated_on"}
    if unknown:
        raise ValidationError({f: "kolom tidak dikenal" for f in sorted(unknown)})
    if errors:
        raise ValidationError(errors)
    if nik is None:
        stem = nikrules.nik_stem(family.kelurahan_id, data["birth_date"], data["sex"])
        nik = nikrules.next_nik(family.kelurahan_id, data["birth_date"], data["sex"],
                                Person.objects.filter(nik__startswith=stem).values_list("nik", flat=True))
    else:
        result = nikrules.check_nik(nik)
        if not result.valid:
            raise ValidationError({"nik": "; ".join(f.message for f in result.errors)})
    if Person.objects.filter(nik=nik).exists():
        raise ValidationError({"nik": f"NIK {nik} sudah terdaftar: satu penduduk, satu NIK"})
    person = Person.objects.create(family=family, nik=nik, name_key=name_key(data["name"]), **data)
    _write_history(actor, "person.register", reason, person=person, family=family)
    audit_record(actor, "person.register", purpose=reason, niks=[nik])
    return person


@transaction.atomic
def do_update_person(person: Person, changes: dict, *, actor, reason: str) -> Person:
    """Change data elements of a person (e.g. a corrected birth date: the NIK stays)."""
    _require_reason(reason)
    unknown = set(changes) - set(EDITABLE_PERSON_FIELDS)
    if unknown:
        raise ValidationError({f: "kolom ini tidak boleh diubah lewat perubahan biodata" for f in sorted(unknown)})
    person = Person.objects.select_for_update().get(pk=person.pk)
    merged = {f: getattr(person, f) for f in EDITABLE_PERSON_FIELDS} | changes
    errors = _validate_person_data(merged, family=person.family, exclude_pk=person.pk)
    errors = {k: v for k, v in errors.items() if k in changes or k == "relation"}
    if errors:
        raise ValidationError(errors)
    diff = {f: (getattr(person, f), v) for f, v in changes.items() if getattr(person, f) != v}
    if not diff:
        return person
    for field, (_, new) in diff.items():
        setattr(person, field, new)
    if "name" in diff:
        person.name_key = name_key(person.name)
    person.save(update_fields=[*diff, *(["name_key"] if "name" in diff else [])])
    _write_history(actor, "person.update", reason, person=person, changes=diff)
    audit_record(actor, "person.update", purpose=reason, niks=[person.nik])
    return person


def _set_status(person: Person, status: str, *, actor, reason: str, action: str, extra: dict | None = None) -> Person:
    _require_reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status != LifeStatus.HIDUP:
        raise ValidationError({"status": f"penduduk berstatus {person.get_status_display()}, bukan penduduk aktif"})
    diff = {"status": (person.status, status)}
    person.status = status
    for field, value in (extra or {}).items():
        diff[field] = (getattr(person, field), value)
        setattr(person, field, value)
    person.save(update_fields=list(diff))
    _write_history(actor, action, reason, person=person, changes=diff)
    audit_record(actor, action, purpose=reason, niks=[person.nik])
    return person


@transaction.atomic
def do_register_death(person: Person, *, death_date: dt.date, death_cert_no: str, actor, reason: str) -> Person:
    """Record a death. The akta kematian number is the evidence KPU requires (§3.2)."""
    errors = {}
    if death_date > timezone.localdate():
        errors["death_date"] = "tanggal meninggal tidak boleh di masa depan"
    if death_date < person.birth_date:
        errors["death_date"] = "tanggal meninggal sebelum tanggal lahir"
    if not death_cert_no.strip():
        errors["death_cert_no"] = "nomor akta kematian wajib diisi"
    if errors:
        raise ValidationError(errors)
    return _set_status(person, LifeStatus.MENINGGAL, actor=actor, reason=reason, action="person.death",
                       extra={"death_date": death_date, "death_cert_no": death_cert_no.strip()})


@transaction.atomic
def do_move_out(person: Person, *, actor, reason: str) -> Person:
    """Pindah keluar DKI (SKPWNI issued by this office)."""
    return _set_status(person, LifeStatus.PINDAH, actor=actor, reason=reason, action="person.move_out")


@transaction.atomic
def do_deactivate(person: Person, *, actor, reason: str) -> Person:
    """Temporary deactivation (e.g. Permendagri 95/2019 Pasal 96 data cleansing)."""
    return _set_status(person, LifeStatus.TIDAK_AKTIF, actor=actor, reason=reason, action="person.deactivate")


@transaction.atomic
def do_update_family(family: Family, changes: dict, *, actor, reason: str) -> Family:
    """Change the address of a KK within DKI (moves to another kecamatan get a new KK number
    in SIAK; that is `do_register_family` plus moving the members)."""
    _require_reason(reason)
    unknown = set(changes) - set(EDITABLE_FAMILY_FIELDS)
    if unknown:
        raise ValidationError({f: "kolom ini tidak boleh diubah" for f in sorted(unknown)})
    family = Family.objects.select_for_update().get(pk=family.pk)
    errors = _validate_rt_rw(changes.get("rt", family.rt), changes.get("rw", family.rw))
    if "kelurahan_id" in changes:
        try:
            _kelurahan(changes["kelurahan_id"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    diff = {f: (getattr(family, f), v) for f, v in changes.items() if getattr(family, f) != v}
    for field, (_, new) in diff.items():
        setattr(family, field, new)
    if diff:
        family.save(update_fields=list(diff))
        _write_history(actor, "family.update", reason, family=family, changes=diff)
        audit_record(actor, "family.update", object_type="family", purpose=reason, query=f"kk={family.kk}",
                     niks=family.members.values_list("nik", flat=True))
    return family


@transaction.atomic
def do_move_person_to_family(person: Person, family: Family, *, relation: str, actor, reason: str) -> Person:
    """Move a person onto another KK (pecah KK, marriage, joining a household)."""
    _require_reason(reason)
    person = Person.objects.select_for_update().get(pk=person.pk)
    data = {f: getattr(person, f) for f in EDITABLE_PERSON_FIELDS} | {"relation": relation}
    errors = _validate_person_data(data, family=family, exclude_pk=person.pk)
    if "relation" in errors:
        raise ValidationError({"relation": errors["relation"]})
    diff = {"family": (person.family.kk, family.kk), "relation": (person.relation, relation)}
    old_family = person.family
    person.family = family
    person.relation = relation
    person.save(update_fields=["family", "relation"])
    _write_history(actor, "person.change_family", reason, person=person, family=old_family, changes=diff)
    audit_record(actor, "person.change_family", purpose=reason, niks=[person.nik])
    return person
