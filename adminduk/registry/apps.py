from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "adminduk.registry"
    verbose_name = "Register penduduk"
