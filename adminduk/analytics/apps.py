from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "adminduk.analytics"
    verbose_name = "Analitik (mesin kolumnar)"
