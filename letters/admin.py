import csv
import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from .export import spreadsheet_safe
from .models import Letter, SessionAction, Tally


def totals():
    """The tally added up per campaign year and case, newest year first."""
    return list(
        Tally.objects.values("campaign_year", "case__name", "case__slug")
        .annotate(
            sessions=Count("id"),
            participants=Sum("participants"),
            letters=Sum("letters"),
            messages=Sum("messages"),
        )
        .order_by("-campaign_year", "case__name")
    )


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):
    list_display = ["held_on", "case", "campaign_year", "participants", "letters", "messages"]
    list_filter = ["campaign_year", "case"]
    date_hierarchy = "held_on"
    readonly_fields = [
        "session",
        "case",
        "campaign_year",
        "held_on",
        "participants",
        "letters",
        "messages",
        "updated_at",
    ]
    change_list_template = "admin/letters/tally/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "totals/",
                self.admin_site.admin_view(self.totals_view),
                name="letters_tally_totals",
            ),
            path(
                "totals.csv",
                self.admin_site.admin_view(self.totals_csv),
                name="letters_tally_totals_csv",
            ),
            *super().get_urls(),
        ]

    def _require_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def totals_view(self, request):
        self._require_view(request)
        rows = totals()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tally per campaign and case"),
            "rows": rows,
            "grand": {
                key: sum(row[key] or 0 for row in rows)
                for key in ("sessions", "participants", "letters", "messages")
            },
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/letters/tally/totals.html", context)

    def totals_csv(self, request):
        self._require_view(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("Campaign year"),
                _("Case"),
                _("Sessions"),
                _("Participants"),
                _("Letters"),
                _("Solidarity messages"),
            ]
        )
        for row in totals():
            writer.writerow(
                [
                    spreadsheet_safe(value)
                    for value in (
                        row["campaign_year"],
                        row["case__name"],
                        row["sessions"],
                        row["participants"],
                        row["letters"],
                        row["messages"],
                    )
                ]
            )
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="w4r-tally.csv"'
        return response


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    """Read-only: letters belong to their sessions; admins only look."""

    list_display = [
        "__str__",
        "session",
        "kind",
        "status",
        "hidden_from_print",
        "words",
        "updated_at",
    ]
    list_filter = ["kind", "status", "hidden_from_print"]
    readonly_fields = [
        "session",
        "participant",
        "kind",
        "text",
        "words",
        "language",
        "signoff_name",
        "signoff_town",
        "status",
        "hidden_from_print",
        "revision",
        "created_at",
        "updated_at",
        "finished_at",
    ]
    exclude = ["client_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SessionAction)
class SessionActionAdmin(admin.ModelAdmin):
    list_display = ["session", "printed_at", "sent_at"]
    readonly_fields = ["session", "show_why", "printed_at", "sent_at"]

    def has_add_permission(self, request):
        return False
