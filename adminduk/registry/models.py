"""The resident register: families (KK) and persons (NIK), with their history.

Rows are written only by `registry.actions` (and the bulk loader, which writes a
load record instead of per-row history). Reads of personal data go through
`registry.queries`, which applies the jurisdiction and writes the audit row.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from adminduk.regions.models import Region

from .choices import (
    BloodType,
    Citizenship,
    Disability,
    Education,
    KtpState,
    LifeStatus,
    MaritalStatus,
    Occupation,
    Relation,
    Religion,
    Sex,
)


class FamilyQuerySet(models.QuerySet):
    def in_area(self, code: str):
        """Families whose address lies in the area `code` (any level)."""
        if code.count(".") == 3:
            return self.filter(kelurahan_id=code)
        return self.filter(kelurahan__code__startswith=code + ".")


class Family(models.Model):
    """A Kartu Keluarga. The head is the member whose relation is `kepala_keluarga`."""

    kk = models.CharField(_("nomor KK"), max_length=16, unique=True)
    # No index of its own: `family_address_idx` (kelurahan, rw, rt) serves every lookup
    # by kelurahan, and each index costs the bulk load a sort of millions of rows.
    kelurahan = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="families", db_column="kelurahan_code", db_index=False,
        verbose_name=_("kelurahan"),
    )
    rw = models.CharField(_("RW"), max_length=3)
    rt = models.CharField(_("RT"), max_length=3)
    street = models.CharField(_("alamat"), max_length=200)
    issued_on = models.DateField(_("tanggal terbit KK"), null=True, blank=True)
    printed_on = models.DateField(_("tanggal cetak KK"), null=True, blank=True)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name = _("keluarga (KK)")
        verbose_name_plural = _("keluarga (KK)")
        indexes = [models.Index(fields=["kelurahan", "rw", "rt"], name="family_address_idx")]

    def __str__(self) -> str:
        return f"KK {self.kk}"

    @property
    def address(self) -> str:
        return f"{self.street} RT {self.rt}/RW {self.rw}"


class PersonQuerySet(models.QuerySet):
    def in_area(self, code: str):
        if code.count(".") == 3:
            return self.filter(family__kelurahan_id=code)
        return self.filter(family__kelurahan__code__startswith=code + ".")

    def alive(self):
        return self.filter(status=LifeStatus.HIDUP)

    def residents(self):
        """Alive and living in DKI: the population the register serves."""
        return self.filter(status=LifeStatus.HIDUP)

    def born_on_or_before(self, date: dt.date):
        return self.filter(birth_date__lte=date)

    def wajib_ktp(self, on: dt.date):
        """UU 24/2013 Pasal 63(1): WNI (or ITAP holders) aged 17+, or married/ever married."""
        seventeen = on.replace(year=on.year - 17) if not (on.month == 2 and on.day == 29) else dt.date(on.year - 17, 2, 28)
        return self.residents().filter(
            models.Q(birth_date__lte=seventeen) | ~models.Q(marital_status=MaritalStatus.BELUM_KAWIN)
        )


class Person(models.Model):
    # Identifiers. The NIK is indexed but not unique in the database: real registers
    # hold duplicate NIKs (DOMAIN.md §1.2) and `check-register` must be able to see
    # them; `actions.do_register_person` refuses to issue a NIK that exists.
    nik = models.CharField(_("NIK"), max_length=16, db_index=True)
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="members", verbose_name=_("keluarga (KK)"))
    name = models.CharField(_("nama lengkap"), max_length=120)
    # Indexed as the first column of `person_name_birth_idx` (equality and prefix range
    # lookups both use it); a second index on name_key alone only slowed the bulk load.
    name_key = models.CharField(_("kunci nama"), max_length=120, editable=False)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    birth_place = models.CharField(_("tempat lahir"), max_length=60)
    birth_date = models.DateField(_("tanggal lahir"))

    blood_type = models.CharField(_("golongan darah"), max_length=10, choices=BloodType.choices, default=BloodType.TIDAK_TAHU)
    religion = models.CharField(_("agama/kepercayaan"), max_length=12, choices=Religion.choices)
    marital_status = models.CharField(_("status perkawinan"), max_length=12, choices=MaritalStatus.choices)
    relation = models.CharField(_("hubungan dalam keluarga"), max_length=16, choices=Relation.choices)
    disability = models.CharField(_("disabilitas"), max_length=16, choices=Disability.choices, default="", blank=True)
    education = models.CharField(_("pendidikan terakhir"), max_length=16, choices=Education.choices)
    occupation = models.CharField(_("pekerjaan"), max_length=24, choices=Occupation.choices)
    citizenship = models.CharField(_("kewarganegaraan"), max_length=3, choices=Citizenship.choices, default=Citizenship.WNI)

    father_name = models.CharField(_("nama ayah"), max_length=120, blank=True)
    father_nik = models.CharField(_("NIK ayah"), max_length=16, blank=True)
    mother_name = models.CharField(_("nama ibu kandung"), max_length=120, blank=True)
    mother_nik = models.CharField(_("NIK ibu"), max_length=16, blank=True)

    status = models.CharField(_("status penduduk"), max_length=12, choices=LifeStatus.choices, default=LifeStatus.HIDUP)
    death_date = models.DateField(_("tanggal meninggal"), null=True, blank=True)

    # Document holdings. The KTP-el state is the current state of the record; each
    # change after loading goes through an action that writes its history row.
    birth_cert_no = models.CharField(_("nomor akta kelahiran"), max_length=30, blank=True)
    death_cert_no = models.CharField(_("nomor akta kematian"), max_length=30, blank=True)
    marriage_cert_no = models.CharField(_("nomor akta/buku nikah"), max_length=30, blank=True)
    ktp_state = models.CharField(
        _("status KTP-el"), max_length=28, choices=KtpState.choices, default=KtpState.UNREGISTERED
    )
    kia_issued_on = models.DateField(_("tanggal terbit KIA"), null=True, blank=True)
    ikd_activated_on = models.DateField(_("tanggal aktivasi IKD"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("penduduk")
        verbose_name_plural = _("penduduk")
        indexes = [
            models.Index(fields=["name_key", "birth_date"], name="person_name_birth_idx"),
            models.Index(fields=["birth_date"], name="person_birth_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.nik})"

    def age_on(self, on: dt.date) -> int:
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


class History(models.Model):
    """Append-only history of every change to a person or a family."""

    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("petugas")
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="history")
    family = models.ForeignKey(Family, null=True, blank=True, on_delete=models.PROTECT, related_name="history")
    action = models.CharField(_("tindakan"), max_length=40)
    reason = models.TextField(_("alasan"))
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("riwayat")
        verbose_name_plural = _("riwayat")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class LoadBatch(models.Model):
    """One bulk load or import: the history of rows that did not come from an action."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=500)
    kind = models.CharField(max_length=20)  # "load" or "import"
    families = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.source} ({self.persons} penduduk)"


class NameToken(models.Model):
    """The vocabulary of name-key tokens and how many persons carry each one.

    Built from Person.name_key by `registry.search.refresh_name_tokens()` (after a
    bulk load, and lazily on the first search if empty). Name search uses it to turn
    a misspelt word into the words that really occur in the register ("santosa" →
    "santoso"), then looks those exact keys up in the name index: spelling tolerance
    without a search server and without scanning 11 million names.
    """

    token = models.CharField(max_length=60, primary_key=True)
    persons = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("kata nama")
        verbose_name_plural = _("kata nama")

    def __str__(self) -> str:
        return f"{self.token} ({self.persons})"
