from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("ktp/", views.lookup, name="lookup"),
    path("ktp/<str:nik>/", views.record, name="record"),
]
