import json
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Inside <script>, only these characters could end the element or start markup.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block; safe whatever text the data holds."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@dataclass
class Version:
    code: str
    name: str
    url: str
    exists: bool


@register.simple_tag(takes_context=True)
def language_versions(context):
    """This page in each language: its address, or that language's home where it has none.

    A view lists the languages a page exists in as `page_languages` (a condition with no Spanish
    text has only English); without it, the page is interface only and exists in every language.
    """
    request = context.get("request")
    available = context.get("page_languages")
    # Django's 404 view passes request_path: a missing page has no versions, only homes.
    found = request is not None and request.resolver_match is not None
    found = found and "request_path" not in context
    versions = []
    for code, name in settings.LANGUAGES:
        exists = found and (available is None or code in available)
        if exists:
            url = translate_url(request.path, code)
        else:
            with translation.override(code):
                url = reverse("home")
        versions.append(Version(code, name, url, exists))
    return versions
