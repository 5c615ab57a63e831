from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "adminduk.accounts"
    verbose_name = "Akun dan peran"
