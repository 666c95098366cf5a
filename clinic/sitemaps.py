from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from conditions.models import Condition
from research.models import Study


class LanguageSitemap(Sitemap):
    """Every page in each language it exists in, each naming the others (SPEC §12)."""

    i18n = True
    alternates = True
    x_default = True


class PageSitemap(LanguageSitemap):
    def items(self):
        return ["home", "conditions:list", "research:study-list", "privacy"]

    def location(self, item):
        return reverse(item)


class ConditionSitemap(LanguageSitemap):
    def items(self):
        return Condition.objects.published()

    def lastmod(self, condition):
        return condition.updated_at


class StudySitemap(LanguageSitemap):
    def items(self):
        return Study.objects.published().newest_first()

    def lastmod(self, study):
        return study.updated_at


SITEMAPS = {"pages": PageSitemap, "conditions": ConditionSitemap, "research": StudySitemap}
