from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "adminduk.regions"
    verbose_name = "Wilayah"
