"""Users with a role and a jurisdiction (UU 24/2013 Pasal 79: hak akses per role)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from adminduk.regions.models import Region


class Role(models.TextChoices):
    KELURAHAN = "kelurahan", _("Petugas kelurahan")
    KECAMATAN = "kecamatan", _("Petugas kecamatan")
    SUDIN = "sudin", _("Suku Dinas (kota)")
    DINAS = "dinas", _("Dinas (seluruh DKI)")
    DPRD = "dprd", _("Anggota DPRD (agregat saja)")
    KPU = "kpu", _("Mitra KPU (API, data pemilih)")
    AUDITOR = "auditor", _("Auditor")


# Roles that may read a person's record (within their jurisdiction).
PERSON_READING_ROLES = frozenset({Role.KELURAHAN, Role.KECAMATAN, Role.SUDIN, Role.DINAS})
# The level of area each role is tied to.
ROLE_AREA_LEVEL = {
    Role.KELURAHAN: "kelurahan",
    Role.KECAMATAN: "kecamatan",
    Role.SUDIN: "kota",
    Role.DINAS: "provinsi",
}


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=12, choices=Role.choices)
    area = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("wilayah kerja"),
        help_text=_("Kelurahan, kecamatan, kota, atau provinsi sesuai peran."),
    )
    institution = models.CharField(_("instansi"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    @property
    def can_read_persons(self) -> bool:
        return self.is_active and self.role in PERSON_READING_ROLES

    @property
    def jurisdiction_code(self) -> str | None:
        """Area code prefix this user may read, or None for no personal data at all."""
        if not self.can_read_persons or self.area_id is None:
            return None
        return self.area_id

    def in_jurisdiction(self, kelurahan_code: str) -> bool:
        code = self.jurisdiction_code
        return code is not None and (kelurahan_code == code or kelurahan_code.startswith(code + "."))


class ApiToken(models.Model):
    """A partner or staff token for the API. Only the SHA-256 of the secret is stored.

    A token belongs to a user (its role and jurisdiction apply), carries scopes (which
    endpoints), an allowed-fields list (which data elements a response may contain) and
    a rate limit per minute.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("pengguna"))
    institution = models.CharField(_("instansi"), max_length=120)
    name = models.CharField(_("nama token"), max_length=80)
    prefix = models.CharField(_("awalan"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("cakupan"), default=list)
    allowed_fields = models.JSONField(_("kolom yang diizinkan"), default=list, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("batas permintaan per menit"), default=600)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("berlaku sampai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.institution}: {self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """A failed password or second-factor attempt: the throttle counts these.

    The audit log keeps the permanent record of every attempt; these rows only serve
    the lockout window and are deleted for a username when it logs in successfully.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", _("kata sandi")
        OTP = "otp", _("kode verifikasi")

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    username = models.CharField(_("nama pengguna"), max_length=150, db_index=True)
    ip = models.CharField(_("alamat IP"), max_length=45, db_index=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("percobaan masuk gagal")
        verbose_name_plural = _("percobaan masuk gagal")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.ip} {self.kind}"
