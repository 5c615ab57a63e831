"""The blank-card (blanko KTP-el) ledger: stores, movements, print runs, shipments.

A store's balance is never stored on its own: every movement carries its position in
the store's ledger (`seq`) and the balance after it, so the balance is the last row of
the ledger and `adminduk blanko check` recounts it from the quantities. The database
itself refuses a second row at the same position (two printers racing) and a negative
balance (check constraint), whatever the application code does.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from adminduk.regions.models import Region


class StoreKind(models.TextChoices):
    DINAS = "dinas", _("Dinas (gudang provinsi)")
    SUDIN = "sudin", _("Suku Dinas")
    SERVICE_POINT = "satpel", _("Satpel kelurahan (tempat cetak)")


class Store(models.Model):
    """A place that holds blanks: the Dinas, a Suku Dinas, or a printing service point.

    One store per area: the Dinas for the province, a Suku Dinas per kota, a Satpel per
    kelurahan. The area decides who may operate it (its jurisdiction) and which
    residents' cards it prints.
    """

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="blank_store",
                                  verbose_name=_("wilayah"))
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=8, choices=StoreKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("induk"))
    daily_capacity = models.PositiveIntegerField(
        _("kapasitas cetak per hari kerja"), default=0,
        help_text=_("Kartu yang dapat dicetak per hari kerja (0 = tidak mencetak)."))

    class Meta:
        ordering = ["region_id"]
        verbose_name = _("gudang blanko")
        verbose_name_plural = _("gudang blanko")

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        return self.region_id

    @property
    def prints(self) -> bool:
        return self.kind == StoreKind.SERVICE_POINT


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Penerimaan dari Kemendagri")
    TRANSFER_OUT = "transfer_out", _("Distribusi keluar")
    TRANSFER_IN = "transfer_in", _("Distribusi masuk")
    CONSUMPTION = "consumption", _("Pemakaian (kartu dicetak)")
    SPOILED = "spoiled", _("Rusak saat cetak")
    CORRECTION = "correction", _("Koreksi (stock opname)")


# Kinds that take blanks out of a store (quantity < 0) and kinds that bring them in.
OUTGOING = frozenset({MovementKind.TRANSFER_OUT, MovementKind.CONSUMPTION, MovementKind.SPOILED})
INCOMING = frozenset({MovementKind.RECEIPT, MovementKind.TRANSFER_IN})


class PrintRun(models.Model):
    """One press of "cetak" at a service point: the next N requests of its queue."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="print_runs", verbose_name=_("gudang"))
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("petugas"))
    requested = models.PositiveIntegerField(_("diminta"))
    printed = models.PositiveIntegerField(_("dicetak"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("proses cetak")
        verbose_name_plural = _("proses cetak")

    def __str__(self) -> str:
        return f"{self.store} {self.at:%Y-%m-%d %H:%M} ({self.printed})"


class Movement(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="movements", verbose_name=_("gudang"))
    seq = models.PositiveIntegerField(_("nomor urut di gudang"))
    at = models.DateTimeField(_("waktu catat"), default=timezone.now, db_index=True)
    kind = models.CharField(_("jenis mutasi"), max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField(_("jumlah"))  # signed: + in, - out
    balance_after = models.IntegerField(_("saldo setelahnya"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("petugas"))
    reason = models.TextField(_("keterangan"), blank=True)
    letter_no = models.CharField(_("nomor surat"), max_length=80, blank=True)
    letter_date = models.DateField(_("tanggal surat"), null=True, blank=True)
    counterpart = models.ForeignKey(Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("gudang asal/tujuan"))
    transfer_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="transfer_in", verbose_name=_("pasangan distribusi"))
    print_run = models.ForeignKey(PrintRun, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="movements", verbose_name=_("proses cetak"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("mutasi blanko")
        verbose_name_plural = _("buku mutasi blanko")
        constraints = [
            # The race guard: two printers that read the same last row cannot both append.
            models.UniqueConstraint(fields=["store", "seq"], name="movement_store_seq_uniq"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="movement_balance_not_negative"),
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_quantity_not_zero"),
        ]
        indexes = [models.Index(fields=["kind", "at"], name="movement_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.store} #{self.seq} {self.kind} {self.quantity:+d} → {self.balance_after}"


class ShipmentStatus(models.TextChoices):
    PLANNED = "planned", _("Dijadwalkan")
    RECEIVED = "received", _("Diterima")
    CANCELLED = "cancelled", _("Dibatalkan")


class Shipment(models.Model):
    """A shipment of blanks announced by Kemendagri: the forecast counts the planned ones."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("gudang tujuan"))
    letter_no = models.CharField(_("nomor surat"), max_length=80, blank=True)
    expected_on = models.DateField(_("perkiraan tiba"))
    quantity = models.PositiveIntegerField(_("jumlah"))
    status = models.CharField(_("status"), max_length=10, choices=ShipmentStatus.choices, default=ShipmentStatus.PLANNED)
    receipt = models.OneToOneField(Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="shipment",
                                   verbose_name=_("penerimaan"))
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        ordering = ["expected_on", "id"]
        verbose_name = _("kiriman blanko")
        verbose_name_plural = _("kiriman blanko")
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="shipment_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} blanko ~{self.expected_on}"


class DemandBasis(models.Model):
    """Per service point: what the register says about future demand (a summary table
    written by `adminduk blanko demand`, read by the forecast in milliseconds)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="demand", verbose_name=_("gudang"))
    as_of = models.DateField(_("per tanggal"))
    residents = models.PositiveIntegerField(_("penduduk aktif"))
    wajib_ktp = models.PositiveIntegerField(_("wajib KTP-el"))
    # {"YYYY-MM": residents turning 17 in that month} for the months after as_of.
    turning_17 = models.JSONField(_("berusia 17 per bulan"), default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dasar permintaan")
        verbose_name_plural = _("dasar permintaan")

    def __str__(self) -> str:
        return f"{self.store} per {self.as_of}"
