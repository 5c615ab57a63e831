"""Voter data for KPU: elections, DP4 extracts and their copies, KPU lists and their
reconciliation with the register.

Person-level results (the extract's rows, the exclusions with their reasons, the
findings of a reconciliation) are columnar files under EXPORT_DIR, written by the batch
jobs in one go; the database holds what pages and the API show: the runs, their
counts, manifests and per-kelurahan summaries (ARCHITECTURE.md "Data"; decision 0003).
Rows are written only by `elections.actions`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Findings of a reconciliation: the eight TMS codes of PKPU 7/2022 that the register
    can decide (1-7; `salah TPS` is KPU's own), plus data-quality findings."""

    MENINGGAL = "meninggal", _("Meninggal")
    GANDA = "ganda", _("Ganda")
    DI_BAWAH_UMUR = "di_bawah_umur", _("Di bawah umur")
    PINDAH_DOMISILI = "pindah_domisili", _("Pindah domisili (keluar DKI)")
    TIDAK_DIKENAL = "tidak_dikenal", _("Tidak dikenal")
    TNI = "tni", _("TNI")
    POLRI = "polri", _("Polri")
    NIK_INVALID = "nik_invalid", _("NIK tidak sah")
    DATA_BERBEDA = "data_berbeda", _("Data berbeda")
    BELUM_TERDAFTAR = "belum_terdaftar", _("Belum terdaftar di daftar pemilih")


class ExclusionReason(models.TextChoices):
    """Why a resident is not in a DP4 extract (UU 7/2017; DOMAIN.md §3.1)."""

    MENINGGAL = "meninggal", _("Meninggal")
    PINDAH = "pindah", _("Pindah keluar DKI")
    TIDAK_AKTIF = "tidak_aktif", _("NIK dinonaktifkan")
    LUAR_DKI = "luar_dki", _("Tidak berdomisili di DKI")
    WNA = "wna", _("Bukan WNI")
    TNI = "tni", _("Anggota TNI")
    POLRI = "polri", _("Anggota Polri")
    DI_BAWAH_UMUR = "di_bawah_umur", _("Belum 17 tahun pada hari pemungutan suara dan belum pernah kawin")


class Election(models.Model):
    slug = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    polling_day = models.DateField(_("hari pemungutan suara"))
    cutoff_date = models.DateField(_("tanggal batas data"), help_text=_("Data kependudukan per tanggal ini (semester DP4)."))

    class Meta:
        ordering = ["-polling_day"]
        verbose_name = _("pemilihan")
        verbose_name_plural = _("pemilihan")

    def __str__(self) -> str:
        return self.name


class Extract(models.Model):
    """One DP4 extract of the register for an election (e.g. semester I 2023).

    The full result (eligible rows, exclusions with reasons) is kept internally under
    `path`; recipients get fingerprinted copies (`ExtractCopy`)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="extracts")
    version = models.CharField(_("versi"), max_length=40)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("dibuat oleh"))
    path = models.CharField(_("lokasi berkas internal"), max_length=500)
    eligible = models.PositiveIntegerField(_("pemilih potensial"))
    eligible_men = models.PositiveIntegerField(_("laki-laki"))
    eligible_women = models.PositiveIntegerField(_("perempuan"))
    excluded = models.JSONField(_("tidak masuk DP4 per alasan"), default=dict)
    dak2 = models.JSONField(_("DAK2 per kecamatan"), default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["election", "version"], name="extract_version_unique")]
        verbose_name = _("ekstrak DP4")
        verbose_name_plural = _("ekstrak DP4")

    def __str__(self) -> str:
        return f"DP4 {self.election.slug} {self.version}"

    @property
    def excluded_by_label(self) -> list[tuple[str, int]]:
        labels = dict(ExclusionReason.choices)
        return [(labels.get(code, code), n) for code, n in sorted(self.excluded.items(), key=lambda kv: -kv[1])]


class ExtractCopy(models.Model):
    """A copy of an extract handed to one recipient, with its manifest and fingerprint key."""

    extract = models.ForeignKey(Extract, on_delete=models.PROTECT, related_name="copies")
    recipient = models.CharField(_("penerima"), max_length=120)
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="dp4_copies", verbose_name=_("akun penerima (API)"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # Secret: never in the manifest or the files. Identifies the copy if it leaks.
    fingerprint_key = models.CharField(max_length=64)
    path = models.CharField(_("lokasi berkas"), max_length=500)
    manifest = models.JSONField(_("manifes"), default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("salinan DP4")
        verbose_name_plural = _("salinan DP4")

    def __str__(self) -> str:
        return f"{self.extract} → {self.recipient}"


class Reconciliation(models.Model):
    """One KPU list (DPS/DPSHP/DPT) reconciled against the register."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="reconciliations")
    list_name = models.CharField(_("nama daftar"), max_length=200)
    list_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("dibuat oleh"))
    path = models.CharField(_("lokasi hasil"), max_length=500)
    rows = models.PositiveIntegerField(_("baris daftar"))
    unreadable = models.PositiveIntegerField(_("baris tidak terbaca"))
    matched = models.PositiveIntegerField(_("cocok dengan register"))
    counts = models.JSONField(_("temuan per kategori"), default=dict)
    seconds = models.FloatField(_("lama proses (detik)"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rekonsiliasi daftar pemilih")
        verbose_name_plural = _("rekonsiliasi daftar pemilih")

    def __str__(self) -> str:
        return f"{self.election.slug}: {self.list_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ReconciliationCount(models.Model):
    """Summary table for pages: findings per kelurahan and category."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="kelurahan_counts")
    kelurahan_code = models.CharField(max_length=13, db_index=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reconciliation", "kelurahan_code", "category"],
                                               name="reconciliation_count_unique")]

    def __str__(self) -> str:
        return f"{self.kelurahan_code} {self.category}: {self.count}"
