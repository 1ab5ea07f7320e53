"""Admin for determinations, their items, citations and revisions.

Django has no nested inlines, so citations are edited inline on the DisputedItem page and shown
as a read-only summary on the Determination page. Lists (reviewer licensure and specialties, a
citation's sections) are edited one per line, an item's procedure and body region are chosen from
the taxonomy (pipeline/admin/forms.py), pages fit a 1366 px screen (static/css/admin.css), and no
internal hash is shown.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from cases.models import Determination, DeterminationRevision, DisputedItem, GuidelineCitation, IngestJob, IngestJobFile
from cases.queries import distinct_specialties, filter_specialty
from pipeline.admin.forms import CitationInlineForm, DeterminationForm, DisputedItemForm
from pipeline.ingest import rederive, reparse_letters
from pipeline.jobs import STALLED, job_state, with_counts
from pipeline.outcomes import FAILED
from procedures.classify import MANUAL, manual_classification
from search import sync

ADMIN_CSS = {"all": ["css/admin.css"]}


class SpecialtyFilter(admin.SimpleListFilter):
    """Reviewer specialty: one choice per specialty found in the JSON lists."""

    title = "reviewer specialty"
    parameter_name = "specialty"

    def lookups(self, request, model_admin):
        return [(s, s) for s in distinct_specialties()]

    def queryset(self, request, queryset):
        if self.value():
            return filter_specialty(queryset, self.value())
        return queryset


class DecisionYearFilter(admin.SimpleListFilter):
    title = "decision year"
    parameter_name = "decision_year"

    def lookups(self, request, model_admin):
        years = (
            Determination.objects.exclude(decision_date__isnull=True)
            .annotate(y=ExtractYear("decision_date"))
            .values_list("y", flat=True)
            .distinct()
            .order_by("-y")
        )
        return [(str(y), str(y)) for y in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(decision_date__year=int(value))
        return queryset


class ItemDecisionFilter(admin.SimpleListFilter):
    """Letters with at least one item of the chosen decision (a letter may have both)."""

    title = "item decision"
    parameter_name = "item_decision"

    def lookups(self, request, model_admin):
        return DisputedItem.Decision.choices

    def queryset(self, request, queryset):
        if self.value() in DisputedItem.Decision.values:
            return queryset.filter(items__decision=self.value()).distinct()
        return queryset


class DisputedItemInline(admin.StackedInline):
    model = DisputedItem
    extra = 0
    fields = (
        "order",
        "request",
        "disputed_portion",
        "decision",
        "rationale",
        "classification",
        "citation_summary",
        "edit_link",
    )
    readonly_fields = ("citation_summary", "edit_link", "classification")
    show_change_link = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("request", "disputed_portion") and field is not None:
            field.widget.attrs["rows"] = 2
        return field

    @admin.display(description="Classification")
    def classification(self, obj):
        return classification_text(obj)

    @admin.display(description="Citations")
    def citation_summary(self, obj):
        return citation_summary_html(obj)

    @admin.display(description="Citations editor")
    def edit_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("admin:cases_disputeditem_change", args=[obj.pk])
        return format_html('<a href="{}">Edit this item and its citations</a>', url)


def classification_text(item: DisputedItem) -> str:
    if not item.pk:
        return "-"
    parts = [
        item.procedure or "unclassified",
        item.procedure_category,
        item.request_category,
        item.body_region,
        item.laterality,
    ]
    text = " · ".join(p for p in parts if p)
    return f"{text} (chosen by hand)" if item.taxonomy_version == MANUAL else text


def citation_summary_html(item: DisputedItem):
    citations = list(item.citations.all()) if item.pk else []
    if not citations:
        return "-"
    return format_html(
        "<ul class='compact'>{}</ul>",
        format_html_join(
            "",
            "<li>{}: {}</li>",
            ((c.get_party_display(), c.clause or c.document or c.get_kind_display()) for c in citations),
        ),
    )


@admin.register(Determination)
class DeterminationAdmin(admin.ModelAdmin):
    form = DeterminationForm
    list_display = ("__str__", "decision_date", "items_count", "outcome_summary", "specialty", "parse_status")
    list_display_links = ("__str__",)
    list_filter = (ItemDecisionFilter, "priority", SpecialtyFilter, DecisionYearFilter, "parse_status", "layout")
    search_fields = ("case_number", "items__request", "source_name")
    date_hierarchy = None
    readonly_fields = (
        "raw_text",
        "source_name",
        "parse_errors",
        "parse_warnings",
        "created_at",
        "updated_at",
        "revision_links",
        "letter_files",
    )
    inlines = [DisputedItemInline]
    actions = ["reparse_selected"]
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("case_number", "parse_status", "parse_errors", "parse_warnings", "layout", "letter_files")}),
        (
            "Dates",
            {
                "fields": (
                    "date_assigned",
                    "date_of_injury",
                    "decision_date",
                    "ur_denial_date",
                    "application_received",
                    "priority",
                )
            },
        ),
        (
            "Reviewer and patient",
            {"fields": ("reviewer_licensure", "reviewer_specialty", "patient_age", "patient_sex")},
        ),
        ("Clinical summary", {"fields": ("clinical_summary",)}),
        (
            "Source",
            {
                "fields": ("source_name", "created_at", "updated_at", "revision_links", "raw_text"),
                "classes": ("collapse",),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_items=Count("items", distinct=True),
                n_upheld=Count("items", filter=Q(items__decision=DisputedItem.Decision.UPHELD), distinct=True),
                n_overturned=Count("items", filter=Q(items__decision=DisputedItem.Decision.OVERTURNED), distinct=True),
            )
        )

    @admin.display(description="Items", ordering="n_items")
    def items_count(self, obj):
        return obj.n_items

    @admin.display(description="Outcome")
    def outcome_summary(self, obj):
        if not obj.n_items:
            return "-"
        parts = []
        if obj.n_upheld:
            parts.append(f"{obj.n_upheld} upheld")
        if obj.n_overturned:
            parts.append(f"{obj.n_overturned} overturned")
        other = obj.n_items - obj.n_upheld - obj.n_overturned
        if other:
            parts.append(f"{other} undecided")
        return ", ".join(parts)

    @admin.display(description="Specialty")
    def specialty(self, obj):
        return ", ".join(obj.reviewer_specialty or [])

    @admin.display(description="Letter file")
    def letter_files(self, obj):
        links = [
            (url, label)
            for url, label in ((obj.letter_pdf_url(), "original PDF"), (obj.letter_txt_url(), "text"))
            if url
        ]
        if not links:
            return "the original file was not kept (ingest the file again to attach it)"
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description="Revisions")
    def revision_links(self, obj):
        revisions = list(obj.revisions.all()) if obj.pk else []
        if not revisions:
            return "-"
        return format_html_join(
            format_html("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:cases_determinationrevision_change", args=[r.pk]),
                    r.recorded_at,
                    ", ".join(r.changed_fields) or "file bytes only",
                )
                for r in revisions
            ),
        )

    def save_related(self, request, form, formsets, change):
        # A hand edit changes what was derived from the letter (taxonomy, links, quotes) and its
        # search document: derive them again and queue it, inside the admin's transaction.
        super().save_related(request, form, formsets, change)
        rederive([form.instance.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        sync.queue_for_index(sync.DETERMINATION, [pk], sync.DELETE)

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        sync.queue_for_index(sync.DETERMINATION, ids, sync.DELETE)

    class Media:
        css = ADMIN_CSS

    @admin.action(description="Re-parse selected letters", permissions=["change"])
    def reparse_selected(self, request, queryset):
        counts = {"ok": 0, "failed": 0}
        for outcome in reparse_letters(queryset.order_by("pk").values_list("pk", flat=True)):
            if outcome.status == FAILED:
                counts["failed"] += 1
                self.message_user(
                    request, f"{outcome.case_number or outcome.source_name}: {outcome.message}", messages.WARNING
                )
            else:
                counts["ok"] += 1
        self.message_user(
            request,
            f"Re-parsed {counts['ok']} letter(s); {counts['failed']} failed.",
            messages.SUCCESS if not counts["failed"] else messages.WARNING,
        )


class GuidelineCitationInline(admin.StackedInline):
    """Stacked, three fields a line: a table of eight columns would be twice the screen's width."""

    model = GuidelineCitation
    form = CitationInlineForm
    extra = 0
    fields = (("party", "kind", "order"), ("document", "year", "pages"), ("sections", "clause"))


@admin.register(DisputedItem)
class DisputedItemAdmin(admin.ModelAdmin):
    form = DisputedItemForm
    list_display = (
        "short_request",
        "decision",
        "request_category",
        "procedure",
        "procedure_category",
        "body_region",
        "determination",
    )
    list_filter = ("decision", "request_category", "procedure_category", "body_region", "procedure")
    search_fields = ("request", "rationale", "determination__case_number", "procedure")
    list_select_related = ("determination",)
    raw_id_fields = ("determination",)
    inlines = [GuidelineCitationInline]
    list_per_page = 100
    readonly_fields = (
        "procedure_category",
        "request_category",
        "classified_by",
        "classification_signal",
        "classification_confidence",
        "classification_evidence",
    )
    fieldsets = (
        (None, {"fields": ("determination", "order", "request", "disputed_portion", "decision", "rationale")}),
        (
            "Classification",
            {
                "fields": (
                    "procedure",
                    "body_region",
                    "laterality",
                    "procedure_category",
                    "request_category",
                    "classified_by",
                    "classification_signal",
                    "classification_confidence",
                    "classification_evidence",
                    "reclassify",
                ),
                "description": "Chosen from the procedure taxonomy: type a few letters and pick from the list. "
                "A choice made here is kept when the taxonomy classifies the letters again.",
            },
        ),
    )

    class Media:
        css = ADMIN_CSS

    @admin.display(description="Classified by")
    def classified_by(self, obj):
        if obj.taxonomy_version == MANUAL:
            return "hand (kept when the taxonomy classifies letters again)"
        return "the taxonomy, from the request" if obj.taxonomy_version else "not yet classified"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data.get("reclassify"):
            obj.taxonomy_version = ""  # rederive (below) classifies it from its request
        elif form.classification_changed and data.get("procedure") and data.get("body_region"):
            for name, value in manual_classification(
                data["procedure"], data["body_region"], data.get("laterality") or ""
            ).items():
                setattr(obj, name, value)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Citations may have changed too: re-derive the letter (classification, links, quotes)
        # and queue it for the index, in the admin's transaction.
        super().save_related(request, form, formsets, change)
        rederive([form.instance.determination_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        rederive([obj.determination_id])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("determination_id", flat=True))
        super().delete_queryset(request, queryset)
        rederive(ids)

    @admin.display(description="Request", ordering="request")
    def short_request(self, obj):
        return obj.request if len(obj.request) <= 100 else obj.request[:99] + "…"


@admin.register(GuidelineCitation)
class GuidelineCitationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "document", "year", "pages", "party", "item")
    list_filter = ("party", "kind", "year")
    search_fields = ("document", "clause", "item__determination__case_number")
    list_select_related = ("item", "item__determination")
    raw_id_fields = ("item",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rederive([obj.item.determination_id])

    def delete_model(self, request, obj):
        det_id = obj.item.determination_id
        super().delete_model(request, obj)
        rederive([det_id])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("item__determination_id", flat=True))
        super().delete_queryset(request, queryset)
        rederive(ids)


@admin.register(DeterminationRevision)
class DeterminationRevisionAdmin(admin.ModelAdmin):
    list_display = ("determination", "recorded_at", "source_name", "changed_fields")
    search_fields = ("determination__case_number", "source_name")
    list_select_related = ("determination",)
    readonly_fields = (
        "determination",
        "recorded_at",
        "source_name",
        "previous_sha256",
        "new_sha256",
        "changed_fields",
        "previous_raw_text",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class IngestJobFileInline(admin.TabularInline):
    model = IngestJobFile
    fields = ("position", "name", "status", "case_number", "message", "attempts", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ("position",)

    def get_queryset(self, request):
        # A job may hold thousands of files: the page shows the failures and what is left.
        return super().get_queryset(request).exclude(status__in=["new", "updated", "unchanged"])

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "origin",
        "requester",
        "created_at",
        "state",
        "progress",
        "n_new",
        "n_updated",
        "n_unchanged",
        "n_failed",
        "progressed_at",
    )
    list_filter = ("origin",)
    readonly_fields = (
        "origin",
        "requested_by",
        "requester",
        "remote_addr",
        "request",
        "force",
        "total",
        "created_at",
        "started_at",
        "finished_at",
        "progressed_at",
        "state",
        "progress",
    )
    fields = readonly_fields
    inlines = [IngestJobFileInline]

    def get_queryset(self, request):
        return with_counts(super().get_queryset(request))

    @admin.display(description="state")
    def state(self, obj):
        state = job_state(obj)
        if state == STALLED:
            return f"stalled (no progress since {(obj.progressed_at or obj.started_at):%Y-%m-%d %H:%M})"
        return state

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.n_done}/{obj.total}"

    @admin.display(description="new", ordering="n_new")
    def n_new(self, obj):
        return obj.n_new

    @admin.display(description="updated", ordering="n_updated")
    def n_updated(self, obj):
        return obj.n_updated

    @admin.display(description="unchanged", ordering="n_unchanged")
    def n_unchanged(self, obj):
        return obj.n_unchanged

    @admin.display(description="failed", ordering="n_failed")
    def n_failed(self, obj):
        return obj.n_failed

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
