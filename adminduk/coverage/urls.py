from django.urls import path

from . import views

app_name = "coverage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("peringkat/", views.league, name="league"),
    path("target/", views.targets, name="targets"),
    path("definisi/", views.definitions, name="definitions"),
]
