"""The KTP-el record's invariant: the state is the `to_state` of its last event."""

from django.db.models import OuterRef, Subquery

from adminduk.registry.models import Person

from .models import KtpRecordEvent


def check_records(limit: int = 20) -> list[str]:
    last = KtpRecordEvent.objects.filter(person_id=OuterRef("pk")).order_by("-at", "-id").values("to_state")[:1]
    broken = (Person.objects.filter(pk__in=KtpRecordEvent.objects.values("person_id"))
              .annotate(last_state=Subquery(last)).exclude(ktp_state=Subquery(last))
              .values_list("nik", "ktp_state", "last_state")[:limit])
    return [f"NIK {nik}: status KTP-el {state}, tetapi riwayat terakhir {last_state}" for nik, state, last_state in broken]
