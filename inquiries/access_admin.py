"""The access log in admin: read-only, for superusers (SPEC §14)."""

import re

from django.contrib import admin
from django.utils.html import format_html

from inquiries.models import REFERENCE_ALPHABET, REFERENCE_LENGTH, InquiryAccess

REFERENCE = re.compile(rf"INQ-[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


class ReferenceFilter(admin.SimpleListFilter):
    """A box to type an inquiry's reference in: a list of every reference would be endless."""

    title = "inquiry"
    parameter_name = "reference"
    template = "admin/inquiries/inquiryaccess/reference_filter.html"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        reference = self.value().strip().upper()
        # Anything else (a typo, a control character) matches nothing, without a query.
        if not REFERENCE.fullmatch(reference):
            return queryset.none()
        return queryset.filter(inquiry__reference=reference)

    def choices(self, changelist):
        # The other filters, search and ordering in force, kept when a reference is typed.
        self.kept_params = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name != self.parameter_name
            for value in values
        ]
        yield {
            "selected": not self.value(),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }


@admin.register(InquiryAccess)
class InquiryAccessAdmin(admin.ModelAdmin):
    """The whole access log, read-only, for superusers: who saw which patient's data, when."""

    list_display = ["at", "username", "action", "inquiry_link"]
    list_filter = [
        "action", ("username", admin.AllValuesFieldListFilter), ReferenceFilter,
        ("at", admin.DateFieldListFilter),
    ]  # fmt: skip
    list_select_related = ["inquiry"]
    list_per_page = 100
    # The log only grows: no second count of every row under a filter, no counts per choice.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="inquiry", ordering="inquiry__reference")
    def inquiry_link(self, access):
        return format_html(
            '<a href="{}">{}</a>', access.inquiry.get_admin_url(), access.inquiry.reference
        )
