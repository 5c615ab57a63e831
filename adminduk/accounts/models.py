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
