"""User administration for the Dinas: roles, areas, and resetting a lost second factor.

Creating or changing a user and resetting a device are audited (who gave whom which
access): access rights to personal data are themselves a record the auditor needs.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from adminduk.audit.actions import client_ip
from adminduk.audit.actions import record as audit_record

from .models import LoginFailure, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "area", "institution", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "institution")
    autocomplete_fields = ("area",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Identitas"), {"fields": ("first_name", "last_name", "email", "institution")}),
        (_("Peran dan wilayah kerja"), {"fields": ("role", "area")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Waktu"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "area", "institution")}),
    )
    actions = ["reset_second_factor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(request.user, "account.change" if change else "account.create", object_type="account",
                     purpose="administrasi pengguna",
                     query=f"username={obj.username} role={obj.role} area={obj.area_id or '-'} "
                           f"active={obj.is_active} changed={','.join(form.changed_data)}",
                     ip=client_ip(request))

    @admin.action(description=_("Atur ulang verifikasi dua langkah (daftar ulang saat masuk berikutnya)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            TOTPDevice.objects.filter(user=user).delete()
            audit_record(request.user, "account.otp_reset", object_type="account", purpose="administrasi pengguna",
                         query=f"username={user.username}", ip=client_ip(request))
        messages.success(request, _("Perangkat verifikasi dihapus; pengguna mendaftar ulang saat masuk berikutnya."))


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "ip", "kind")
    list_filter = ("kind",)
    search_fields = ("username", "ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, LoginFailure.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # Deleting the counted failures lifts a lockout early: audited as an unlock.
        for username in sorted(set(queryset.values_list("username", flat=True))):
            audit_record(request.user, "account.unlock", object_type="account", purpose="administrasi pengguna",
                         query=f"username={username}", ip=client_ip(request))
        queryset.delete()
