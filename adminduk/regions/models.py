"""Kemendagri area codes (kode wilayah) of DKI Jakarta: a four-level tree.

The code is the primary key: `31` provinsi, `31.71` kota, `31.71.01` kecamatan,
`31.71.01.1001` kelurahan. A subtree is a code prefix, so "every kelurahan under an
area" is one indexed range query, with no recursive SQL.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KOTA = "kota", _("Kota/Kabupaten Administrasi")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")


LEVEL_DEPTH = {Level.PROVINSI: 1, Level.KOTA: 2, Level.KECAMATAN: 3, Level.KELURAHAN: 4}


class RegionQuerySet(models.QuerySet):
    def under(self, code: str):
        """The area itself and everything below it."""
        return self.filter(models.Q(code=code) | models.Q(code__startswith=code + "."))

    def kelurahan_under(self, code: str):
        return self.under(code).filter(level=Level.KELURAHAN)

    def kelurahan(self):
        return self.filter(level=Level.KELURAHAN)

    def kecamatan(self):
        return self.filter(level=Level.KECAMATAN)

    def kota(self):
        return self.filter(level=Level.KOTA)


class Region(models.Model):
    code = models.CharField(_("kode wilayah"), max_length=13, primary_key=True)
    level = models.CharField(_("tingkat"), max_length=10, choices=Level.choices)
    name = models.CharField(_("nama"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("induk")
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def nik_prefix(self) -> str:
        """The digits a NIK or KK number carries for this area (`31.71.01` → `317101`)."""
        return self.code.replace(".", "")[:6]

    def ancestors(self) -> list["Region"]:
        parts = self.code.split(".")
        codes = [".".join(parts[:i]) for i in range(1, len(parts))]
        by_code = Region.objects.in_bulk(codes)
        return [by_code[c] for c in codes if c in by_code]

    def contains(self, code: str) -> bool:
        return code == self.code or code.startswith(self.code + ".")
