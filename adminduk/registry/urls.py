from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("cari/", views.search, name="search"),
    path("orang/<int:pk>/", views.person, name="person"),
    path("kk/<int:pk>/", views.family, name="family"),
]
