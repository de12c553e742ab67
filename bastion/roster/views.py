from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def import_page(request):
    return HttpResponse("TODO")


@login_required
def template_download(request):
    return HttpResponse("TODO")
