from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "adminduk.audit"
    verbose_name = "Log audit"
