"""The language of a request comes from its address alone (SPEC §12)."""

from django.middleware.locale import LocaleMiddleware


class PathLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, without `Vary: Accept-Language` on English pages.

    With English unprefixed, Django falls back to English whatever the browser asks for, yet still
    marks the response as varying by Accept-Language: that would make every cache keep one copy
    per browser language of the same page.
    """

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if response.has_header("Vary"):
            values = (value.strip() for value in response["Vary"].split(","))
            kept = [value for value in values if value and value.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
