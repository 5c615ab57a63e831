"""Coverage snapshots (small summary tables written by the columnar job) and targets.

A snapshot is one computation of every indicator for every area (DKI, 6 kota,
44 kecamatan, 267 kelurahan) on one as-of date: ~2,500 rows, which is all a
dashboard page ever reads. Targets are append-only: the current target of an
(indicator, year, area) is its latest row, and the rows before it are its history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from adminduk.regions.models import Level, Region

from .indicators import INDICATORS

INDICATOR_CHOICES = [(i.key, i.label) for i in INDICATORS]


class Snapshot(models.Model):
    class Kind(models.TextChoices):
        COMPUTED = "computed", _("dihitung dari register pada tanggal data")
        RECONSTRUCTED = "reconstructed", _("direkonstruksi dari tanggal-tanggal di register (tanggal lampau)")

    as_of = models.DateField(_("tanggal data"), db_index=True)
    taken_at = models.DateTimeField(_("waktu hitung"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("dijalankan oleh"))
    reason = models.CharField(_("alasan"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices, default=Kind.COMPUTED)
    persons_read = models.BigIntegerField(_("baris penduduk dibaca"), default=0)
    seconds = models.FloatField(_("lama hitung (detik)"), default=0)

    class Meta:
        ordering = ["-as_of", "-id"]
        verbose_name = _("snapshot cakupan")
        verbose_name_plural = _("snapshot cakupan")

    def __str__(self) -> str:
        return f"cakupan per {self.as_of} (#{self.pk})"


class AreaIndicator(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    # The area code, not a foreign key: a snapshot must stay readable as it was even if
    # the area list changes later (kelurahan are merged or renamed by Kepmendagri).
    area_code = models.CharField(_("kode wilayah"), max_length=13)
    area_name = models.CharField(_("nama wilayah"), max_length=100)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    parent_code = models.CharField(_("kode induk"), max_length=13, blank=True)
    indicator = models.CharField(_("indikator"), max_length=16, choices=INDICATOR_CHOICES)
    numerator = models.BigIntegerField(_("pembilang"))
    denominator = models.BigIntegerField(_("penyebut"))
    # Why the figure exceeds 100 %, if it ever does (the check below refuses silence).
    note = models.CharField(_("keterangan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("nilai indikator")
        verbose_name_plural = _("nilai indikator")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "indicator", "area_code"], name="coverage_one_value_per_area"),
            models.CheckConstraint(
                condition=models.Q(numerator__gte=0) & models.Q(denominator__gte=0)
                & (models.Q(numerator__lte=models.F("denominator")) | ~models.Q(note="")),
                name="coverage_never_over_100_silently",
            ),
        ]
        indexes = [models.Index(fields=["snapshot", "indicator", "level"], name="coverage_snapshot_level_idx"),
                   models.Index(fields=["area_code", "indicator"], name="coverage_area_trend_idx")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.indicator} {self.numerator}/{self.denominator}"


class Target(models.Model):
    indicator = models.CharField(_("indikator"), max_length=16, choices=INDICATOR_CHOICES)
    year = models.PositiveSmallIntegerField(_("tahun"))
    area = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("wilayah"))
    # None withdraws the area's own target: the area falls back to its parent's.
    value = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("ditetapkan oleh"))
    set_at = models.DateTimeField(_("waktu"), auto_now_add=True)
    reason = models.CharField(_("alasan"), max_length=300)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("target cakupan")
        verbose_name_plural = _("target cakupan")
        indexes = [models.Index(fields=["indicator", "year", "area"], name="coverage_target_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} {self.area_id}: {self.value}"
