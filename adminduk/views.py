from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The user's start page: their role and their area."""
    return render(request, "home.html", {"area": request.user.area})
