from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from adminduk import views
from adminduk.api import api

# URL prefixes are Indonesian: the staff and the DPRD read them in their browser bar.
urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("akun/", include("adminduk.accounts.urls")),
    path("wilayah/", include("adminduk.regions.urls")),
    path("penduduk/", include("adminduk.registry.urls")),
    path("audit/", include("adminduk.audit.urls")),
    path("dokumen/", include("adminduk.documents.urls")),
    path("blanko/", include("adminduk.cardstock.urls")),
    path("pemilu/", include("adminduk.elections.urls")),
    path("cakupan/", include("adminduk.coverage.urls")),
    path("pengawasan/", include("adminduk.oversight.urls")),
]

if settings.DEBUG:
    pass
