"""Navigation built from the apps: each app may have `nav.py` with `items(user)`.

This keeps the base template free of knowledge about which apps exist and which
role may see which page (each app decides for its own pages).
"""

from importlib import import_module

from django.apps import apps


def _app_nav_modules():
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("adminduk."):
            continue
        try:
            modules.append(import_module(f"{config.name}.nav"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.nav":
                raise
    return modules


_MODULES = None


def navigation(request):
    global _MODULES
    if _MODULES is None:
        _MODULES = _app_nav_modules()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for module in _MODULES:
        items.extend(module.items(user))
    return {"nav_items": items}
