from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views

app_name = "elections"

urlpatterns = [
    path("", login_required(views.index), name="index"),
    path("rekonsiliasi/<int:pk>/", login_required(views.summary), name="summary"),
    path("rekonsiliasi/<int:pk>/kelurahan/<str:code>/", login_required(views.worklist), name="worklist"),
    path("ringkasan/", login_required(views.dprd), name="dprd"),
]
