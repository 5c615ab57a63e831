from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from . import chain
from .actions import client_ip
from .forms import LogFilterForm
from .queries import is_auditor, search_log


@login_required
def log(request):
    """The auditor's page: the log with filters, newest first, and the chain's status."""
    if not is_auditor(request.user):
        raise PermissionDenied("log audit hanya dapat dibaca oleh auditor")
    form = LogFilterForm(request.GET)
    page = search_log(request.user, form.filters(), ip=client_ip(request)) if form.is_valid() else None
    next_query = None
    if page and page.next_before:
        query = request.GET.copy()
        query["before"] = page.next_before
        next_query = query.urlencode()
    return render(request, "audit/log.html", {"form": form, "page": page, "next_query": next_query,
                                              "check": chain.last_check(), "head": chain.head()})
