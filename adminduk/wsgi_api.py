"""The API's own, slim middleware stack (RECIPES.md "Web layer": ~20 % of a lookup's
time went to middleware the API never uses).

`dispatch(application)` wraps the WSGI application: requests under /api/ go to a second
Django handler whose middleware is only what an API answer needs — security headers
(HSTS, nosniff, referrer policy, SSL redirect), the CSP header and X-Frame-Options.
Partners authenticate with a bearer token on every call, so the API never needs
sessions, cookies-based auth, CSRF (ninja exempts token-auth endpoints), messages,
the OTP session check (a session is never accepted on the API), locale negotiation
(API messages are Bahasa Indonesia) or static files. Staff pages keep the full stack.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "adminduk.accounts.middleware.ContentSecurityPolicy",
]


class ApiHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        # Django builds the chain from settings.MIDDLEWARE; swap the list for the build
        # only (at start-up, before any request is served).
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in API_MIDDLEWARE if m in full]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def dispatch(application):
    api = ApiHandler()
    prefix = getattr(settings, "ADMINDUK_API_PREFIX", "/api/")
    docs = prefix + "docs"  # the Swagger page is HTML for people: keep the full stack

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(prefix) and not path.startswith(docs):
            return api(environ, start_response)
        return application(environ, start_response)

    return app
