"""The one API object; each app contributes one router (django-ninja)."""

from ninja import NinjaAPI

from adminduk.accounts.api import install_error_handlers
from adminduk.accounts.api import router as accounts_router
from adminduk.audit.api import router as audit_router
from adminduk.cardstock.api import router as cardstock_router
from adminduk.coverage.api import router as coverage_router
from adminduk.documents.api import router as documents_router
from adminduk.elections.api import router as elections_router
from adminduk.oversight.api import router as oversight_router
from adminduk.regions.api import router as regions_router
from adminduk.registry.api import router as registry_router

api = NinjaAPI(
    title="adminduk API",
    version="1",
    description="Partner and staff API of Dukcapil DKI Jakarta. Every call is audited.",
    docs_url="/docs",
    urls_namespace="api",
)
# Every error as JSON {"code", "message"} in Bahasa Indonesia (accounts/api.py).
install_error_handlers(api)

api.add_router("/accounts", accounts_router)
api.add_router("/regions", regions_router)
api.add_router("/registry", registry_router)
api.add_router("/audit", audit_router)
api.add_router("/documents", documents_router)
api.add_router("/cardstock", cardstock_router)
api.add_router("/elections", elections_router)
api.add_router("/coverage", coverage_router)
api.add_router("/oversight", oversight_router)
