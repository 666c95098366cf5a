from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.pagecache import cached_page
from clinic.sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", cached_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("conditions/", include("conditions.urls")),
    path("research/", include("research.urls")),
    path("inquire/", include("inquiries.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"
