from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.pagecache import cached_page
from clinic.sitemaps import SITEMAPS

# Machine and staff addresses have one language (admin stays English, SPEC §12).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", cached_page(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
]

# Pages for patients: English keeps the addresses of SPEC §4, other languages live under /<code>/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("conditions/", include("conditions.urls")),
    path("research/", include("research.urls")),
    path("inquire/", include("inquiries.urls")),
    prefix_default_language=False,
)

handler500 = "clinic.views.server_error"
