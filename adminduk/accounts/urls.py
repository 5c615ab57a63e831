from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("kode/", views.otp_view, name="otp"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
]
