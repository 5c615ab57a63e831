from django.urls import path

from . import views

app_name = "cardstock"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("antrean/", views.queue_pick, name="queue_pick"),
    path("antrean/<str:code>/", views.queue, name="queue"),
    path("buku/", views.ledger_view, name="ledger"),
    path("terima/", views.receipt, name="receipt"),
    path("distribusi/", views.transfer, name="transfer"),
    path("koreksi/", views.adjust, name="adjust"),
    path("suket/", views.sukets, name="sukets"),
]
