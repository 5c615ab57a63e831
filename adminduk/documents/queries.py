"""Permission-checked reads of KTP-el records (the register's choke point does the
jurisdiction and the audit row)."""

from adminduk.registry import queries as registry


def ktp_record(user, nik: str, *, purpose: str, ip: str = "") -> dict:
    person = registry.get_person_by_nik(user, nik, purpose=purpose, ip=ip)
    return {
        "person": person,
        "events": list(person.ktp_events.select_related("actor", "request").order_by("-at", "-id")[:50]),
        "requests": list(person.print_requests.select_related("store").order_by("-requested_at")),
        "sukets": list(person.sukets.order_by("-issued_on")),
    }
