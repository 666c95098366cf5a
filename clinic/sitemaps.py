from django.conf import settings
from django.contrib.sitemaps import Sitemap
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
        return [settings.LANGUAGE_CODE, *(t.language for t in item.translations.all())]


class PageSitemap(LanguageSitemap):
    def items(self):
        return ["home", "conditions:list", "research:study-list", "privacy"]

    def location(self, item):
        return reverse(item)

    def get_languages_for_item(self, item):
        # The privacy notice is English only for now (see clinic.views.privacy).
        if item == "privacy":
            return [settings.LANGUAGE_CODE]
        return super().get_languages_for_item(item)


class ConditionSitemap(TranslatedSitemap):
    def items(self):
        return Condition.objects.published().prefetch_related("translations")

    def lastmod(self, condition):
        return condition.updated_at


class StudySitemap(TranslatedSitemap):
    def items(self):
        return Study.objects.published().newest_first().prefetch_related("translations")

    def lastmod(self, study):
        return study.updated_at


SITEMAPS = {"pages": PageSitemap, "conditions": ConditionSitemap, "research": StudySitemap}
