from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from conditions.models import Condition
from research.models import Study


class PageSitemap(Sitemap):
    def items(self):
        return ["home", "conditions:list", "research:study-list", "inquiries:create", "privacy"]

    def location(self, item):
        return reverse(item)


class ConditionSitemap(Sitemap):
    def items(self):
        return Condition.objects.published()

    def lastmod(self, condition):
        return condition.updated_at


class StudySitemap(Sitemap):
    def items(self):
        return Study.objects.published().newest_first()

    def lastmod(self, study):
        return study.updated_at


SITEMAPS = {"pages": PageSitemap, "conditions": ConditionSitemap, "research": StudySitemap}
