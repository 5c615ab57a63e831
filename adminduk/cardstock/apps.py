from django.apps import AppConfig


class CardstockConfig(AppConfig):
    name = "adminduk.cardstock"
