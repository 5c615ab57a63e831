"""Append-only, hash-chained log of every read and write of personal data.

UU 27/2022 Pasal 31 (record of processing) and UU 24/2013 Pasal 79. Each row's hash
covers its own fields and the previous row's hash, so changing, deleting or
reordering any row breaks the chain from that row on (`adminduk audit verify`).

Append-only at three levels:
- the ORM refuses updates and deletes (the guards below), so no code path in the app
  can rewrite history by accident;
- the database refuses them too: triggers from migration 0002 (PostgreSQL: UPDATE and
  DELETE; SQLite: UPDATE — a SQLite DELETE trigger would also block Django's test
  flush, so deletes there are left to the guards and to `audit verify`);
- in production the application's database role has INSERT and SELECT on the audit
  tables but no UPDATE, DELETE or TRUNCATE grant (docs/AUDIT.md). Someone with the
  owner's rights can still bypass all three; the chain makes that visible, and the head
  printed in reports (`adminduk audit head`) anchors it outside the database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """The audit log is never updated or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("log audit hanya dapat ditambah (tidak boleh diubah)")

    def delete(self):
        raise AppendOnlyError("log audit hanya dapat ditambah (tidak boleh dihapus)")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("log audit hanya dapat ditambah (tidak boleh diubah)")

    # Rows are inserted only by audit.actions (raw SQL inside the chain lock).
    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("entri audit hanya ditulis oleh adminduk.audit.actions.record")

    def create(self, **kwargs):
        raise AppendOnlyError("entri audit hanya ditulis oleh adminduk.audit.actions.record")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        raise AppendOnlyError("entri audit hanya ditulis oleh adminduk.audit.actions.record")

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("log audit hanya dapat ditambah (tidak boleh dihapus)")


class AuditEntry(AppendOnlyModel):
    seq = models.BigIntegerField(_("nomor urut"), unique=True)
    at = models.DateTimeField(_("waktu"), db_index=True)
    user_id_ref = models.BigIntegerField(_("id pengguna"), null=True, blank=True)
    username = models.CharField(_("pengguna"), max_length=150)
    role = models.CharField(_("peran"), max_length=12)
    action = models.CharField(_("tindakan"), max_length=40, db_index=True)
    object_type = models.CharField(_("jenis data"), max_length=30)
    # NIKs touched, space-separated (empty for list queries, which record the query).
    niks = models.TextField(_("NIK"), blank=True)
    query = models.TextField(_("kueri"), blank=True)
    row_count = models.IntegerField(_("jumlah baris"), null=True, blank=True)
    purpose = models.CharField(_("tujuan"), max_length=200)
    ip = models.CharField(_("alamat IP"), max_length=45, blank=True)
    # The API token used (its public prefix), empty for staff UI and batch jobs.
    token_prefix = models.CharField(_("token API"), max_length=12, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("entri audit")
        verbose_name_plural = _("log audit")
        indexes = [
            # The auditor's filters, newest first (keyset pagination on seq).
            models.Index(fields=["username", "seq"], name="audit_user_seq_idx"),
            models.Index(fields=["role", "seq"], name="audit_role_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.username} {self.action}"

    @property
    def nik_list(self) -> list[str]:
        return self.niks.split() if self.niks else []


class AuditSubject(AppendOnlyModel):
    """One row per NIK per audit entry: "who accessed this person" is an index lookup."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="subjects")
    nik = models.CharField(max_length=16, db_index=True)

    class Meta:
        verbose_name = _("subjek audit")

    def __str__(self) -> str:
        return f"{self.nik} @ #{self.entry_id}"


class ChainCheck(models.Model):
    """The result of one run of `adminduk audit verify` (shown on the auditor's page).

    Not part of the chain: it is a convenience record, not evidence. The evidence is
    the chain itself and the heads printed in reports.
    """

    at = models.DateTimeField(_("waktu"), auto_now_add=True)
    ok = models.BooleanField(_("utuh"))
    rows = models.BigIntegerField(_("jumlah entri"))
    head_seq = models.BigIntegerField(_("nomor urut terakhir"), null=True, blank=True)
    head_hash = models.CharField(_("hash terakhir"), max_length=64, blank=True)
    broken_seq = models.BigIntegerField(_("entri rusak pertama"), null=True, blank=True)
    message = models.TextField(_("keterangan"), blank=True)
    seconds = models.FloatField(_("durasi (detik)"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pemeriksaan rantai audit")
        verbose_name_plural = _("pemeriksaan rantai audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'RUSAK'}"


class ApiCallWindow(models.Model):
    """Calls per API token per one-minute window: the counter behind the rate limit
    (accounts.tokens). In the database so that the limit holds across server workers
    and hosts; one upsert per call. Kept next to the log of those calls; old windows
    are pruned as new ones open."""

    token_prefix = models.CharField(max_length=12)
    window_start = models.DateTimeField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token_prefix", "window_start"], name="api_window_unique")]

    def __str__(self) -> str:
        return f"{self.token_prefix} {self.window_start:%H:%M} {self.calls}"
