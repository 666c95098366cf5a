"""The rendered preview and reading level that content editors see in admin."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clinic.readability import grade_level

TARGET_GRADE = 8


def preview(html):
    if not html:
        return "Save to see the rendered page."
    # The stored HTML was sanitised when it was saved.
    return format_html('<div class="content-preview">{}</div>', mark_safe(html))


def reading_level(html):
    grade = grade_level(html)
    if grade is None:
        return "Too short to judge."
    verdict = "on target" if grade <= TARGET_GRADE + 1 else "harder than the target"
    return f"Grade {grade:.1f} (Flesch–Kincaid; aim for about grade {TARGET_GRADE}): {verdict}."
