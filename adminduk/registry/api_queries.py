"""Choke-point reads of the register for the partner API (see queries.py).

The same rules as `registry.queries` — the caller and a purpose, the jurisdiction, an
audit row for every answer — on the API's hot path, so in plain SQL through Django's
connection (the ORM costs ~0.5 ms per lookup; docs/RECIPES.md "Web layer"). Kept in
its own module so that the staff UI's queries and the API's can evolve side by side;
both are the only ways the register is read for display.

The caller is an `accounts.tokens.Principal` (or a User): role, jurisdiction, token
prefix and allowed fields apply.
"""

from __future__ import annotations

import datetime as dt

from adminduk.audit.actions import record
from adminduk.db import hot_cursor

from .names import name_key
from .queries import NotFound, OutOfJurisdiction

# Output names (the exchange schema) → SQL.
_PERSON_COLUMNS = {
    "nik": "p.nik", "kk": "f.kk", "name": "p.name", "sex": "p.sex", "birth_date": "p.birth_date",
    "birth_place": "p.birth_place", "religion": "p.religion", "marital_status": "p.marital_status",
    "relation": "p.relation", "education": "p.education", "occupation": "p.occupation",
    "citizenship": "p.citizenship", "disability": "p.disability", "blood_type": "p.blood_type",
    "father_name": "p.father_name", "father_nik": "p.father_nik", "mother_name": "p.mother_name",
    "mother_nik": "p.mother_nik", "kelurahan_code": "f.kelurahan_code", "rw": "f.rw", "rt": "f.rt",
    "street": "f.street", "status": "p.status", "death_date": "p.death_date", "birth_cert_no": "p.birth_cert_no",
    "death_cert_no": "p.death_cert_no", "marriage_cert_no": "p.marriage_cert_no", "ktp_state": "p.ktp_state",
    "kia_issued_on": "p.kia_issued_on", "ikd_activated_on": "p.ikd_activated_on",
}
_NAMES = tuple(_PERSON_COLUMNS)
# NIKs are not unique in the table (DOMAIN.md §1.2: real registers hold duplicates);
# the oldest row answers, as in registry.queries.get_person_by_nik. The oldest is picked
# in Python, not with ORDER BY id LIMIT 1: PostgreSQL without fresh statistics then walks
# the primary key until it meets the NIK (measured: 200 ms instead of 0.1 ms at 1 M rows).
_PERSON_SQL = (f"SELECT p.id, {', '.join(_PERSON_COLUMNS.values())} FROM registry_person p "
               "JOIN registry_family f ON f.id = p.family_id WHERE p.nik = %s")
_VERIFY_SQL = ("SELECT p.id, p.name_key, p.birth_date, p.birth_place, p.mother_name, f.kelurahan_code "
               "FROM registry_person p JOIN registry_family f ON f.id = p.family_id WHERE p.nik = %s")


def _oldest(sql: str, nik: str):
    with hot_cursor() as cur:
        cur.execute(sql, [nik])
        rows = cur.fetchall()
    return min(rows)[1:] if rows else None


# The API reads the row before it takes the audit chain lock (`person_row`, `verify_row`)
# and hands it to the function below that decides and audits: the lock, which queues every
# API call, is then held for the audit append and the commit only. No data leaves before
# the call's audit row is committed.
_UNREAD = object()


def person_row(nik: str):
    return _oldest(_PERSON_SQL, nik)


def verify_row(nik: str):
    return _oldest(_VERIFY_SQL, nik)


def _text(value):
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def api_get_person(caller, nik: str, *, purpose: str, ip: str = "", token_prefix: str = "", row=_UNREAD) -> dict:
    """One person by NIK, as a dict of the caller's allowed fields. Raises NotFound or
    OutOfJurisdiction (both audited). For staff tokens only (a person-reading role)."""
    code = caller.jurisdiction_code
    if code is None:
        record(caller, "person.read.refused", purpose=purpose, query=f"nik={nik}", row_count=0, ip=ip,
               token_prefix=token_prefix)
        raise OutOfJurisdiction("peran ini tidak boleh membaca data perseorangan")
    if row is _UNREAD:
        row = person_row(nik)
    if row is None:
        record(caller, "person.read.not_found", purpose=purpose, query=f"nik={nik}", row_count=0, ip=ip,
               token_prefix=token_prefix)
        raise NotFound(nik)
    person = dict(zip(_NAMES, row, strict=True))
    if not caller.in_jurisdiction(person["kelurahan_code"]):
        record(caller, "person.read.refused", purpose=purpose, niks=[nik], row_count=0, ip=ip,
               token_prefix=token_prefix)
        raise OutOfJurisdiction(f"NIK {nik} di luar wilayah kerja {code}")
    allowed = getattr(caller, "allowed_fields", _NAMES)
    record(caller, "person.read", purpose=purpose, niks=[nik], row_count=1, ip=ip, token_prefix=token_prefix,
           query="fields=" + ",".join(allowed))
    return {name: _text(person[name]) for name in _NAMES if name in allowed}


MATCH, NO_MATCH = "match", "no_match"


def verify_identity(caller, nik: str, claims: dict, *, purpose: str, ip: str = "", token_prefix: str = "",
                    row=_UNREAD) -> dict:
    """Does this NIK belong to someone with these data? Answers `match` / `no_match` per
    claimed field and never the stored values (what banks, BPJS and other institutions
    ask Dukcapil). Names compare by their spelling-tolerant key (registry.names), so
    'Moh. Yusuf' matches 'Muhammad Yusuf'. `claims` holds only fields the caller may
    check (the API refuses the others before calling this)."""
    if row is _UNREAD:
        row = verify_row(nik)
    fields = ",".join(claims)
    if row is None:
        record(caller, "person.verify.not_found", purpose=purpose, query=f"nik={nik} fields={fields}", row_count=0,
               ip=ip, token_prefix=token_prefix)
        return {"nik": "not_found", "fields": {}}
    stored_key, birth_date, birth_place, mother_name, kelurahan = row
    answers = {}
    for name, claimed in claims.items():
        if name == "name":
            same = name_key(claimed) == stored_key and stored_key != ""
        elif name == "birth_date":
            same = _text(claimed) == _text(birth_date)
        elif name == "birth_place":
            same = " ".join(claimed.lower().split()) == " ".join((birth_place or "").lower().split())
        elif name == "mother_name":
            same = bool(mother_name) and name_key(claimed) == name_key(mother_name)
        elif name == "kelurahan_code":
            same = claimed.strip() == kelurahan
        else:  # pragma: no cover - the API validates field names
            raise ValueError(name)
        answers[name] = MATCH if same else NO_MATCH
    outcome = ",".join(f"{k}={v}" for k, v in answers.items())
    record(caller, "person.verify", purpose=purpose, niks=[nik], row_count=1, ip=ip, token_prefix=token_prefix,
           query=outcome)
    return {"nik": "found", "fields": answers}
