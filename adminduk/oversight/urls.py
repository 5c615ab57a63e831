from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.page, name="page"),
    path("laporan/", views.report, name="report"),
]
