import yaml
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .casepacks.errors import CasePackInvalid
from .casepacks.loader import load_pack, save_edited_content
from .forms_admin import CaseContentForm, CasePackUploadForm
from .models import Case, CaseImage, CaseVersion, Group, Participant, Session


class CaseVersionInline(admin.TabularInline):
    model = CaseVersion
    fields = ["number", "loaded_at", "loaded_by", "source", "checksum"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "campaign_year", "is_active", "version_number"]
    list_filter = ["campaign_year", "is_active"]
    search_fields = ["name", "country", "slug"]
    readonly_fields = ["slug", "current_version", "created_at", "updated_at"]
    fields = ["name", "country", "campaign_year", "is_active", *readonly_fields]
    inlines = [CaseVersionInline]
    change_list_template = "admin/activities/case/change_list.html"
    change_form_template = "admin/activities/case/change_form.html"

    @admin.display(description=_("version"))
    def version_number(self, case):
        return case.current_version.number if case.current_version else "—"

    def has_add_permission(self, request):
        # A case comes from a pack; "Load a case pack" is the way in.
        return False

    def get_urls(self):
        return [
            path("load/", self.admin_site.admin_view(self.load_view), name="activities_case_load"),
            path(
                "<int:case_id>/content/",
                self.admin_site.admin_view(self.content_view),
                name="activities_case_content",
            ),
            *super().get_urls(),
        ]

    def _require(self, request, permission):
        if not request.user.has_perm(f"activities.{permission}_case"):
            raise PermissionDenied

    def load_view(self, request):
        self._require(request, "add")
        errors = []
        form = CasePackUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["pack"]
            try:
                result = load_pack(upload, name=upload.name, user=request.user)
            except CasePackInvalid as exc:
                errors = exc.errors
            else:
                if result.changed:
                    messages.success(
                        request,
                        _("%(case)s: version %(number)s loaded.")
                        % {"case": result.case, "number": result.version.number},
                    )
                else:
                    messages.info(request, _("%(case)s: no change.") % {"case": result.case})
                return redirect("admin:activities_case_change", result.case.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load a case pack"),
            "form": form,
            "errors": errors,
            "error_summary": ngettext(
                "%(count)d problem; nothing was loaded.",
                "%(count)d problems; nothing was loaded.",
                len(errors),
            )
            % {"count": len(errors)},
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/activities/case/load.html", context)

    def content_view(self, request, case_id):
        self._require(request, "change")
        case = get_object_or_404(Case, pk=case_id)
        errors = []
        initial = (
            yaml.safe_dump(
                case.current_version.data, allow_unicode=True, sort_keys=False, width=100
            )
            if case.current_version
            else ""
        )
        form = CaseContentForm(request.POST or None, initial={"content": initial})
        if request.method == "POST" and form.is_valid():
            try:
                result = save_edited_content(case, form.cleaned_data["content"], user=request.user)
            except CasePackInvalid as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Saved as version %(number)s.") % {"number": result.version.number}
                    if result.changed
                    else _("No change."),
                )
                return redirect("admin:activities_case_change", case.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Edit the content of %(case)s") % {"case": case},
            "form": form,
            "errors": errors,
            "case": case,
            "opts": self.model._meta,
            "back": reverse("admin:activities_case_change", args=[case.pk]),
        }
        return TemplateResponse(request, "admin/activities/case/content.html", context)


class CaseImageInline(admin.TabularInline):
    model = CaseImage
    fields = ["path", "image", "width", "height"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CaseVersion)
class CaseVersionAdmin(admin.ModelAdmin):
    list_display = ["case", "number", "loaded_at", "loaded_by", "source"]
    list_filter = ["case"]
    readonly_fields = ["case", "number", "checksum", "source", "loaded_at", "loaded_by", "data"]
    inlines = [CaseImageInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ParticipantInline(admin.TabularInline):
    model = Participant
    fields = ["nickname", "group", "joined_at", "removed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["room_code", "title", "facilitator", "case_version", "status", "created_at"]
    list_filter = ["status", "case_version__case"]
    search_fields = ["room_code", "title", "facilitator__username"]
    readonly_fields = [
        "room_code",
        "facilitator",
        "case_version",
        "activity_key",
        "status",
        "current_step",
        "version",
        "created_at",
        "ended_at",
    ]
    fields = ["title", "locked", "group_size", "max_participants", *readonly_fields]
    inlines = [ParticipantInline]

    def has_add_permission(self, request):
        return False


admin.site.register(Group)
