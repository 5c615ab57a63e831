"""KTP-el records and the requests that lead to a print; Suket; IKD.

The current state of a resident's KTP-el record is `registry.Person.ktp_state` (loaded
with the register). After loading, it changes only through `documents.actions`, which
writes one `KtpRecordEvent` per transition in the same transaction: the state is
always the `to_state` of the person's last event.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from adminduk.registry.choices import KtpState
from adminduk.registry.models import Person

# Polling day of Pemilu 2024 (DOMAIN.md §3): first cards of residents who must vote
# then are printed first.
ELECTION_DAY = dt.date(2024, 2, 14)
SUKET_VALID_MONTHS = 6


class RequestKind(models.TextChoices):
    FIRST_17 = "first_17", _("KTP-el pertama (usia 17)")
    FIRST_MARRIAGE = "first_marriage", _("KTP-el pertama (sudah/pernah kawin)")
    LOST = "lost", _("Penggantian: hilang")
    DAMAGED = "damaged", _("Penggantian: rusak")
    CHANGE = "change", _("Perubahan elemen data")
    DKJ = "dkj", _("Cetak ulang DKI → DKJ")


FIRST_KINDS = frozenset({RequestKind.FIRST_17, RequestKind.FIRST_MARRIAGE})
REPLACEMENT_KINDS = frozenset({RequestKind.LOST, RequestKind.DAMAGED})


class Priority(models.IntegerChoices):
    VOTER_FIRST = 1, _("1 · KTP-el pertama pemilih 14 Feb 2024")
    FIRST = 2, _("2 · KTP-el pertama")
    REPLACEMENT = 3, _("3 · Penggantian")
    CHANGE = 4, _("4 · Perubahan data / cetak ulang")


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("Menunggu cetak")
    PRINTED = "printed", _("Sudah dicetak")
    ISSUED = "issued", _("Sudah diserahkan")
    CANCELLED = "cancelled", _("Dibatalkan")


OPEN_STATUSES = (RequestStatus.WAITING, RequestStatus.PRINTED)


class PrintRequest(models.Model):
    """A card owed to a resident: waiting for a blank at the service point of the
    resident's kelurahan. The waiting ones are the backlog ("hutang cetak")."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="print_requests",
                               verbose_name=_("penduduk"))
    store = models.ForeignKey("cardstock.Store", on_delete=models.PROTECT, related_name="print_requests",
                              verbose_name=_("tempat cetak"))
    kind = models.CharField(_("jenis permohonan"), max_length=16, choices=RequestKind.choices)
    priority = models.PositiveSmallIntegerField(_("kelas prioritas"), choices=Priority.choices)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.WAITING)
    requested_at = models.DateTimeField(_("waktu permohonan"), default=timezone.now)
    # Recorded at 16, printed on the 17th birthday (DOMAIN.md §2.1).
    not_before = models.DateField(_("boleh dicetak mulai"), null=True, blank=True)
    police_report_no = models.CharField(_("nomor surat kehilangan kepolisian"), max_length=60, blank=True)
    change_note = models.CharField(_("elemen yang berubah"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("petugas"))
    reason = models.TextField(_("alasan"), blank=True)
    printed_at = models.DateTimeField(_("waktu cetak"), null=True, blank=True)
    print_run = models.ForeignKey("cardstock.PrintRun", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="requests", verbose_name=_("proses cetak"))
    # The ledger row of the blank this card was printed on: one blank, one card.
    consumption = models.OneToOneField("cardstock.Movement", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="print_request", verbose_name=_("blanko terpakai"))
    card_serial = models.CharField(_("nomor seri kartu"), max_length=32, blank=True)
    issued_at = models.DateTimeField(_("waktu diserahkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("permohonan cetak KTP-el")
        verbose_name_plural = _("permohonan cetak KTP-el")
        constraints = [
            # One card owed per resident at a time.
            models.UniqueConstraint(fields=["person"], condition=models.Q(status__in=["waiting", "printed"]),
                                    name="printrequest_one_open_per_person"),
        ]
        indexes = [
            # The queue: waiting requests of a store by priority, first come first served.
            models.Index(fields=["store", "status", "priority", "requested_at", "id"], name="printrequest_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class KtpRecordEvent(models.Model):
    """Append-only history of a resident's KTP-el record (one row per transition)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ktp_events", verbose_name=_("penduduk"))
    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("petugas"))
    action = models.CharField(_("tindakan"), max_length=40)
    from_state = models.CharField(_("dari status"), max_length=28, choices=KtpState.choices)
    to_state = models.CharField(_("ke status"), max_length=28, choices=KtpState.choices)
    reason = models.TextField(_("alasan"))
    request = models.ForeignKey(PrintRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    details = models.JSONField(_("rincian"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("riwayat KTP-el")
        verbose_name_plural = _("riwayat KTP-el")
        indexes = [models.Index(fields=["person", "at"], name="ktpevent_person_at_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} → {self.to_state}"


class Suket(models.Model):
    """Surat Keterangan pengganti KTP-el: given while the card cannot be printed."""

    number = models.CharField(_("nomor Suket"), max_length=40, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sukets", verbose_name=_("penduduk"))
    store = models.ForeignKey("cardstock.Store", on_delete=models.PROTECT, related_name="sukets",
                              verbose_name=_("tempat layanan"))
    request = models.ForeignKey(PrintRequest, on_delete=models.PROTECT, related_name="sukets",
                                verbose_name=_("permohonan cetak"))
    issued_on = models.DateField(_("tanggal terbit"))
    valid_until = models.DateField(_("berlaku sampai"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("petugas"))
    reason = models.TextField(_("alasan"))
    replaced_at = models.DateTimeField(_("diganti kartu pada"), null=True, blank=True)

    class Meta:
        ordering = ["valid_until", "id"]
        verbose_name = _("Suket pengganti KTP-el")
        verbose_name_plural = _("Suket pengganti KTP-el")
        indexes = [models.Index(fields=["store", "replaced_at"], name="suket_store_open_idx")]

    def __str__(self) -> str:
        return f"Suket {self.number}"
