"""Two pieces of site-wide security that no view can forget.

`RequireVerifiedSession`: every page except the login steps and a short list of public
paths needs a logged-in user whose session passed the second factor. A session that is
authenticated but not OTP-verified (e.g. created by some other login path) is logged
out on staff pages and treated as anonymous on the API, where partners use tokens.

`ContentSecurityPolicy`: the staff UI loads scripts, styles and images from this app
only; no inline script can run, so an injected `<script>` in a name field is inert.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode


def _otp_required() -> bool:
    return getattr(settings, "ADMINDUK_REQUIRE_OTP", True)


class RequireVerifiedSession:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = request.user
        verified = user.is_authenticated and (not _otp_required() or user.is_verified())
        if path.startswith(settings.ADMINDUK_API_PREFIX):
            if user.is_authenticated and not verified:
                request.user = AnonymousUser()
            return self.get_response(request)
        if any(path.startswith(prefix) for prefix in settings.ADMINDUK_PUBLIC_PATHS):
            return self.get_response(request)
        if not verified:
            if user.is_authenticated:
                auth.logout(request)
            return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ContentSecurityPolicy:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "; ".join(f"{k} {v}" for k, v in settings.ADMINDUK_CSP.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


class SiteLanguage:
    """Bahasa Indonesia unless the user switched language (the cookie set by Django's
    set_language view). Unlike LocaleMiddleware it ignores the browser's Accept-Language:
    officers' browsers often say "en-US", and the staff UI must still speak Indonesian."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in self.languages:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        patch_vary_headers(response, ("Cookie",))
        return response
