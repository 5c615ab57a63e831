import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "adminduk.settings")
from adminduk.wsgi_api import dispatch  # noqa: E402 - after settings are chosen

# /api/ runs through a slim middleware stack of its own (adminduk/wsgi_api.py).
application = dispatch(get_wsgi_application())
