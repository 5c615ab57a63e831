"""Append-only, hash-chained log of every read and write of personal data.

UU 27/2022 Pasal 31 (record of processing) and UU 24/2013 Pasal 79. Each row's hash
covers its own fields and the previous row's hash, so changing, deleting or
reordering any row breaks the chain from that row on (`adminduk audit verify`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("nomor urut"), unique=True)
    at = models.DateTimeField(_("waktu"), db_index=True)
    user_id_ref = models.BigIntegerField(_("id pengguna"), null=True, blank=True)
    username = models.CharField(_("pengguna"), max_length=150, db_index=True)
    role = models.CharField(_("peran"), max_length=12)
    action = models.CharField(_("tindakan"), max_length=40, db_index=True)
    object_type = models.CharField(_("jenis data"), max_length=30)
    # NIKs touched, space-separated (empty for list queries, which record the query).
    niks = models.TextField(_("NIK"), blank=True)
    query = models.TextField(_("kueri"), blank=True)
    row_count = models.IntegerField(_("jumlah baris"), null=True, blank=True)
    purpose = models.CharField(_("tujuan"), max_length=200)
    ip = models.CharField(_("alamat IP"), max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("entri audit")
        verbose_name_plural = _("log audit")

    def __str__(self) -> str:
        return f"#{self.seq} {self.username} {self.action}"


class AuditSubject(models.Model):
    """One row per NIK per audit entry: "who accessed this person" is an index lookup."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="subjects")
    nik = models.CharField(max_length=16, db_index=True)

    class Meta:
        verbose_name = _("subjek audit")

    def __str__(self) -> str:
        return f"{self.nik} @ #{self.entry_id}"
