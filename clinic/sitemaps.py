from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import F
from django.urls import reverse

from conditions.models import Condition
from research.models import Study


class LanguageSitemap(Sitemap):
    """Every page in each language it exists in, each naming the others (SPEC §12)."""

    i18n = True
    alternates = True
    x_default = True


class TranslatedSitemap(LanguageSitemap):
    """Content pages: English, plus each language the page has a translation in."""

    def get_languages_for_item(self, item):
        return [settings.LANGUAGE_CODE, *item.languages]


def with_languages(queryset):
    """The rows as a list, each with `languages`, its translations' languages, in one query (a
    LEFT JOIN; a list, so that the paginator counts it without a COUNT query)."""
    rows = {}
    joined = queryset.only("slug", "updated_at").annotate(
        translated_into=F("translations__language")
    )
    for row in joined:
        kept = rows.setdefault(row.pk, row)
        if row is kept:
            kept.languages = []
        if row.translated_into:
            kept.languages.append(row.translated_into)
    return list(rows.values())


class PageSitemap(LanguageSitemap):
    def items(self):
        return ["home", "conditions:list", "research:study-list", "inquiries:create", "privacy"]

    def location(self, item):
        return reverse(item)


class ConditionSitemap(TranslatedSitemap):
    def items(self):
        return with_languages(Condition.objects.published())

    def lastmod(self, condition):
        return condition.updated_at


class StudySitemap(TranslatedSitemap):
    def items(self):
        return with_languages(Study.objects.published().newest_first())

    def lastmod(self, study):
        return study.updated_at


SITEMAPS = {"pages": PageSitemap, "conditions": ConditionSitemap, "research": StudySitemap}
