from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from conditions.models import Condition
from research.models import Study


class PageSitemap(Sitemap):
    def items(self):
        return ["home", "conditions:list", "research:study-list", "inquiries:create", "privacy"]

    def location(self, item):
        return reverse(item)


# Lists rather than querysets: the paginator then counts them without a COUNT query.


class ConditionSitemap(Sitemap):
    def items(self):
        return list(Condition.objects.published().only("slug", "updated_at"))

    def lastmod(self, condition):
        return condition.updated_at


class StudySitemap(Sitemap):
    def items(self):
        return list(Study.objects.published().newest_first().only("slug", "updated_at"))

    def lastmod(self, study):
        return study.updated_at


SITEMAPS = {"pages": PageSitemap, "conditions": ConditionSitemap, "research": StudySitemap}
