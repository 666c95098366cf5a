"""The site's URLs plus one view that fails, to see the 500 page a patient would get."""

from django.urls import path

from clinic.urls import handler500
from clinic.urls import urlpatterns as site_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def fail(request):
    raise RuntimeError("Secret detail: patient Jane Example, password hunter2")


# The Spanish address too: the page is in the language the path names.
urlpatterns = [path("fail/", fail), path("es/fail/", fail), *site_urlpatterns]
