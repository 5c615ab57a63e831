"""The back office (Django admin) for families and persons.

It goes through the same doors as the rest of the system:
- what a user sees is `registry.queries.persons_in_scope/families_in_scope` (the
  jurisdiction); roles that never read personal data (DPRD, KPU, auditor) see no
  person or family at all, whatever their staff flag;
- every save is a named action from `registry.actions` with a required reason (which
  writes the history and audit rows), never `model.save()`;
- opening a person's page, a family's page or a list of persons is audited;
- nothing is deleted: a person leaves the register by a status change (death, move
  out, deactivation), which is an action too.

The form is checked by running the action in a savepoint that is rolled back, so an
action's error (e.g. "KK ini sudah mempunyai kepala keluarga") appears on the form
next to its field; the save then runs the action for real.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from adminduk.audit.actions import client_ip
from adminduk.audit.actions import record as audit_record
from adminduk.regions.models import Region

from . import actions
from .choices import LifeStatus
from .models import Family, History, Person
from .queries import families_in_scope, persons_in_scope

PURPOSE = "kantor belakang (admin)"


class _DryRun(Exception):
    pass


def _dry_run(call) -> None:
    """Run an action and roll it back: its validation, with nothing kept."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except _DryRun:
        pass


def _add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        target = {"kelurahan_id": "kelurahan"}.get(field, field)
        if target in form.fields:
            form.add_error(target, errors)
        else:
            form.add_error(None, [f"{field}: {e}" for e in errors])


def _may_read(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and getattr(user, "jurisdiction_code", None) is not None


class CappedPaginator(Paginator):
    """Counts at most CAP rows: an exact COUNT over 11 million joined rows takes seconds
    on every list page, and nobody pages past the first thousand results."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


class ScopedAdmin(admin.ModelAdmin):
    """Permissions follow the role and jurisdiction, not Django's per-model permissions."""

    actions = []  # no bulk actions: in particular no "delete selected"
    paginator = CappedPaginator
    show_full_result_count = False

    def has_module_permission(self, request):
        return _may_read(request)

    def has_view_permission(self, request, obj=None):
        return _may_read(request)

    def has_add_permission(self, request):
        return _may_read(request)

    def has_change_permission(self, request, obj=None):
        return _may_read(request)

    def has_delete_permission(self, request, obj=None):
        return False


# --- persons ---------------------------------------------------------------------------

STATUS_ACTIONS = {
    LifeStatus.MENINGGAL: "death",
    LifeStatus.PINDAH: "move_out",
    LifeStatus.TIDAK_AKTIF: "deactivate",
}


class PersonForm(forms.ModelForm):
    kk = forms.CharField(label=_("nomor KK"), max_length=16, required=False,
                         help_text=_("KK tempat penduduk didaftarkan (harus di wilayah kerja Anda)."))
    nik = forms.CharField(label=_("NIK"), max_length=16, required=False,
                          help_text=_("Kosongkan untuk menerbitkan NIK berikutnya; isi untuk NIK dari daerah lain."))
    new_status = forms.ChoiceField(
        label=_("ubah status penduduk"), required=False,
        choices=[("", _("tidak berubah"))] + [(s.value, s.label) for s in STATUS_ACTIONS])
    death_date = forms.DateField(label=_("tanggal meninggal"), required=False)
    death_cert_no = forms.CharField(label=_("nomor akta kematian"), max_length=30, required=False)
    reason = forms.CharField(label=_("alasan perubahan"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Wajib: dicatat di riwayat penduduk dan log audit."))

    class Meta:
        model = Person
        fields = actions.EDITABLE_PERSON_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.family = None

    def _calls(self):
        """The actions this form stands for, as callables (run dry in clean, for real in save)."""
        data = self.cleaned_data
        reason = data["reason"]
        calls = []
        if self.instance.pk is None:
            fields = {f: data[f] for f in actions.EDITABLE_PERSON_FIELDS}
            calls.append(lambda: actions.do_register_person(family=self.family, data=fields, actor=self.user,
                                                            reason=reason, nik=data.get("nik") or None))
            return calls
        changes = {f: data[f] for f in self.changed_data if f in actions.EDITABLE_PERSON_FIELDS}
        if changes:
            calls.append(lambda: actions.do_update_person(self.instance, changes, actor=self.user, reason=reason))
        status = data.get("new_status")
        if status == LifeStatus.MENINGGAL:
            if not data.get("death_date"):
                self.add_error("death_date", _("wajib diisi untuk kematian"))
            calls.append(lambda: actions.do_register_death(self.instance, death_date=data["death_date"],
                                                           death_cert_no=data.get("death_cert_no") or "",
                                                           actor=self.user, reason=reason))
        elif status == LifeStatus.PINDAH:
            calls.append(lambda: actions.do_move_out(self.instance, actor=self.user, reason=reason))
        elif status == LifeStatus.TIDAK_AKTIF:
            calls.append(lambda: actions.do_deactivate(self.instance, actor=self.user, reason=reason))
        return calls

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            kk = (cleaned.get("kk") or "").strip()
            self.family = families_in_scope(self.user).filter(kk=kk).first() if kk else None
            if self.family is None:
                self.add_error("kk", _("nomor KK tidak ditemukan di wilayah kerja Anda") if kk
                               else _("wajib diisi"))
        if self.errors:
            return cleaned
        self.instance = Person.objects.get(pk=self.instance.pk) if self.instance.pk else self.instance
        calls = self._calls()
        if self.errors:
            return cleaned
        try:
            _dry_run(lambda: [call() for call in calls])
        except ValidationError as exc:
            _add_action_errors(self, exc)
        return cleaned

    def _post_clean(self):
        # The model is validated by the actions; assigning the cleaned data to the
        # instance here would let the admin save it behind the actions' back.
        pass

    def run(self):
        result = self.instance
        for call in self._calls():
            result = call()
        return result


class ReadOnlyInline(admin.TabularInline):
    """Shown for context; rows change only through the register's actions."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HistoryInline(ReadOnlyInline):
    model = History
    fk_name = "person"
    fields = ("at", "action", "actor", "reason", "changes")
    readonly_fields = fields
    verbose_name = _("riwayat")
    verbose_name_plural = _("riwayat perubahan")


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    form = PersonForm
    list_display = ("nik", "name", "sex", "birth_date", "family_kk", "kelurahan", "status")
    list_filter = ("status", "sex", "ktp_state")
    list_select_related = ("family",)
    search_fields = ("=nik", "=family__kk", "^name")
    list_per_page = 50
    inlines = [HistoryInline]
    readonly_fields = ("nik_display", "family_display", "status", "death_date_display", "death_cert_no_display",
                       "ktp_state", "kia_issued_on", "ikd_activated_on")
    edit_fields = (
        (_("Identitas"), ("nik_display", "family_display", "name", "sex", "birth_place", "birth_date")),
        (_("Data pribadi"), ("religion", "marital_status", "relation", "education", "occupation", "citizenship",
                             "blood_type", "disability")),
        (_("Orang tua"), ("father_name", "father_nik", "mother_name", "mother_nik")),
        (_("Dokumen"), ("birth_cert_no", "marriage_cert_no", "ktp_state", "kia_issued_on", "ikd_activated_on")),
        (_("Status"), ("status", "death_date_display", "death_cert_no_display", "new_status", "death_date",
                       "death_cert_no")),
        (_("Alasan"), ("reason",)),
    )

    def get_queryset(self, request):
        return persons_in_scope(request.user).select_related("family", "family__kelurahan")

    add_fields = (
        (_("Keluarga dan NIK"), ("kk", "nik")),
        (_("Identitas"), ("name", "sex", "birth_place", "birth_date")),
        (_("Data pribadi"), ("religion", "marital_status", "relation", "education", "occupation", "citizenship",
                             "blood_type", "disability")),
        (_("Orang tua"), ("father_name", "father_nik", "mother_name", "mother_nik")),
        (_("Dokumen"), ("birth_cert_no", "marriage_cert_no")),
        (_("Alasan"), ("reason",)),
    )

    def get_fieldsets(self, request, obj=None):
        return [(title, {"fields": fields}) for title, fields in (self.edit_fields if obj else self.add_fields)]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class BoundForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=user, **kw)

        return BoundForm

    def save_model(self, request, obj, form, change):
        person = form.run()
        obj.pk, obj.nik, obj.name = person.pk, person.nik, person.name

    def save_related(self, request, form, formsets, change):
        pass  # the inlines are read-only history

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        person = getattr(response, "context_data", {}).get("original") if hasattr(response, "context_data") else None
        if person is not None:
            audit_record(request.user, "person.read", purpose=PURPOSE, niks=[person.nik], row_count=1,
                         ip=client_ip(request))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if cl is not None:
            niks = [p.nik for p in cl.result_list]
            audit_record(request.user, "person.list", purpose=PURPOSE, niks=niks, row_count=len(niks),
                         query=request.GET.urlencode(), ip=client_ip(request))
        return response

    @admin.display(description=_("NIK"))
    def nik_display(self, obj):
        return obj.nik

    @admin.display(description=_("keluarga (KK)"))
    def family_display(self, obj):
        return f"{obj.family.kk} — {obj.family.address}, {obj.family.kelurahan.name}"

    @admin.display(description=_("tanggal meninggal"))
    def death_date_display(self, obj):
        return obj.death_date or "-"

    @admin.display(description=_("nomor akta kematian"))
    def death_cert_no_display(self, obj):
        return obj.death_cert_no or "-"

    @admin.display(description=_("nomor KK"), ordering="family__kk")
    def family_kk(self, obj):
        return obj.family.kk

    @admin.display(description=_("kelurahan"), ordering="family__kelurahan_id")
    def kelurahan(self, obj):
        return obj.family.kelurahan_id


# --- families ---------------------------------------------------------------------------

class FamilyForm(forms.ModelForm):
    kk = forms.CharField(label=_("nomor KK"), max_length=16, required=False,
                         help_text=_("Kosongkan untuk menerbitkan nomor KK berikutnya."))
    reason = forms.CharField(label=_("alasan perubahan"), widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Wajib: dicatat di riwayat KK dan log audit."))

    class Meta:
        model = Family
        fields = ("kelurahan", "rw", "rt", "street")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        code = getattr(user, "jurisdiction_code", None) or "-"
        self.fields["kelurahan"].queryset = Region.objects.kelurahan_under(code)

    def _call(self):
        data = self.cleaned_data
        if self.instance.pk is None:
            return lambda: actions.do_register_family(
                kelurahan_code=data["kelurahan"].code, rw=data["rw"], rt=data["rt"], street=data["street"],
                actor=self.user, reason=data["reason"], kk=data.get("kk") or None)
        changes = {("kelurahan_id" if f == "kelurahan" else f): (data[f].code if f == "kelurahan" else data[f])
                   for f in self.changed_data if f in ("kelurahan", "rw", "rt", "street")}
        return lambda: actions.do_update_family(self.instance, changes, actor=self.user, reason=data["reason"])

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.instance = Family.objects.get(pk=self.instance.pk) if self.instance.pk else self.instance
        try:
            _dry_run(self._call())
        except ValidationError as exc:
            _add_action_errors(self, exc)
        return cleaned

    def _post_clean(self):
        pass  # see PersonForm._post_clean


class MemberInline(ReadOnlyInline):
    model = Person
    fields = ("nik", "name", "relation", "sex", "birth_date", "status")
    readonly_fields = fields
    show_change_link = True
    verbose_name = _("anggota keluarga")
    verbose_name_plural = _("anggota keluarga")


@admin.register(Family)
class FamilyAdmin(ScopedAdmin):
    form = FamilyForm
    list_display = ("kk", "kelurahan", "rw", "rt", "street")
    list_select_related = ("kelurahan",)
    search_fields = ("=kk",)
    list_per_page = 50
    inlines = [MemberInline]

    def get_queryset(self, request):
        return families_in_scope(request.user)

    def get_fields(self, request, obj=None):
        return (("kk",) if obj is None else ()) + ("kelurahan", "rw", "rt", "street", "reason")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class BoundForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=user, **kw)

        return BoundForm

    def save_model(self, request, obj, form, change):
        family = form._call()()
        obj.pk, obj.kk = family.pk, family.kk

    def save_related(self, request, form, formsets, change):
        pass  # members change through their own actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        family = getattr(response, "context_data", {}).get("original") if hasattr(response, "context_data") else None
        if family is not None:
            niks = list(family.members.values_list("nik", flat=True))
            audit_record(request.user, "family.read", object_type="family", purpose=PURPOSE, query=f"kk={family.kk}",
                         niks=niks, row_count=len(niks), ip=client_ip(request))
        return response
