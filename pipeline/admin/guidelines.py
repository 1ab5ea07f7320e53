"""Admin: the guideline catalog, and the review queue of citations the linker could not resolve.

The queue is the CitationLink list filtered to needs_review. Opening one, a person picks the
document and sections; saving stores a ManualResolution under the citation's normalised text, so
the same citation in every letter resolves too and `link_citations --all` keeps the choice.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from guidelines.linking import apply_manual
from guidelines.models import CitationLink, GuidelineDocument, GuidelineSection, ManualResolution, QuotedPassage
from search import sync


def queue_sections(section_ids, action=sync.INDEX) -> None:
    """A section's search document, and the letters whose guideline facets name it."""
    section_ids = list(section_ids)
    sync.queue_for_index(sync.SECTION, section_ids, action)
    letters = CitationLink.objects.filter(sections__in=section_ids).values_list(
        "citation__item__determination_id", flat=True
    )
    sync.queue_for_index(sync.DETERMINATION, set(letters))


class SectionInline(admin.TabularInline):
    model = GuidelineSection
    fields = ("order", "number", "title", "anchor", "page_start", "page_end", "has_text")
    readonly_fields = ("has_text",)
    extra = 0
    show_change_link = True

    @admin.display(boolean=True, description="text loaded")
    def has_text(self, obj):
        return bool(obj.text)


@admin.register(GuidelineDocument)
class GuidelineDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "family", "edition_year", "regulation", "slug", "section_count")
    list_filter = ("family", "edition_year")
    search_fields = ("title", "short_title", "slug", "regulation")
    inlines = [SectionInline]

    @admin.display(description="sections")
    def section_count(self, obj):
        return obj.sections.count()

    def save_related(self, request, form, formsets, change):
        # The document's title is in its sections' documents and in its letters' facets.
        super().save_related(request, form, formsets, change)
        doc = form.instance
        sync.queue_for_index(sync.SECTION, doc.sections.values_list("pk", flat=True))
        sync.queue_for_index(sync.DETERMINATION, sync.letters_linking_to_documents([doc.pk]))

    def delete_model(self, request, obj):
        sections = list(obj.sections.values_list("pk", flat=True))
        letters = sync.letters_linking_to_documents([obj.pk])
        super().delete_model(request, obj)
        sync.queue_for_index(sync.SECTION, sections, sync.DELETE)
        sync.queue_for_index(sync.DETERMINATION, letters)


@admin.register(GuidelineSection)
class GuidelineSectionAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "document", "page_start", "page_end")
    list_filter = ("document__family", "document")
    search_fields = ("title", "number", "document__title", "document__short_title")
    autocomplete_fields = ("document", "parent")

    def get_search_results(self, request, queryset, search_term):
        # The review form's autocomplete narrows sections to the chosen document when it can.
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        document = request.GET.get("document")
        if document and document.isdigit():
            queryset = queryset.filter(document_id=int(document))
        return queryset, distinct

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        queue_sections([obj.pk])

    def delete_model(self, request, obj):
        pk = obj.pk
        letters = set(
            CitationLink.objects.filter(sections=obj).values_list("citation__item__determination_id", flat=True)
        )
        super().delete_model(request, obj)
        sync.queue_for_index(sync.SECTION, [pk], sync.DELETE)
        sync.queue_for_index(sync.DETERMINATION, letters)


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("open", "Needs review"), ("done", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(needs_review=True)
        if self.value() == "done":
            return queryset.filter(needs_review=False)
        return queryset


@admin.register(CitationLink)
class CitationLinkAdmin(admin.ModelAdmin):
    # The problem first: it is what a clerk works through the queue for.
    list_display = ("problem_first", "cited", "letter", "party", "document", "method", "confidence")
    list_display_links = ("problem_first", "cited")
    list_filter = (NeedsReviewFilter, "method", "citation__kind", "document__family")
    search_fields = ("citation__clause", "citation__document", "problem", "citation__item__determination__case_number")
    autocomplete_fields = ("document",)
    filter_horizontal = ("sections",)
    readonly_fields = (
        "cited_in_full",
        "letter",
        "method",
        "confidence",
        "problem",
        "manual",
        "linked_at",
    )
    # resolution_key (the citation's normalised text, an internal key) is not shown.
    fields = (
        "problem",
        "cited_in_full",
        "letter",
        "document",
        "sections",
        "method",
        "confidence",
        "needs_review",
        "manual",
        "linked_at",
    )
    list_select_related = ("citation__item__determination", "document")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("citation__item__determination", "document")

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="problem", ordering="problem")
    def problem_first(self, obj):
        return obj.problem or "-"

    @admin.display(description="citation")
    def cited(self, obj):
        c = obj.citation
        label = c.clause or c.document or c.get_kind_display()
        return label[:120]

    @admin.display(description="citation as written")
    def cited_in_full(self, obj):
        c = obj.citation
        parts = [c.get_kind_display(), c.document or "", str(c.year or ""), "; ".join(c.sections or [])]
        return format_html("<strong>{}</strong><br>{}", " | ".join(p for p in parts if p), c.clause)

    @admin.display(description="party")
    def party(self, obj):
        return obj.citation.get_party_display()

    @admin.display(description="letter")
    def letter(self, obj):
        det = obj.citation.item.determination
        if det.case_number:
            url = reverse("web:letter", args=[det.case_number])
        else:
            url = reverse("web:letter_pk", args=[det.pk])
        return format_html('<a href="{}">{}</a>', url, det)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        link = form.instance
        # A person's choice: store it under the citation's text and apply it to every letter.
        resolution, _ = ManualResolution.objects.update_or_create(
            key=link.resolution_key or f"link-{link.pk}",
            defaults={
                "document": link.document,
                "example": (link.citation.clause or link.citation.document or "")[:2000],
            },
        )
        resolution.sections.set(link.sections.all())
        if not link.resolution_key:
            link.resolution_key = resolution.key
            link.save(update_fields=["resolution_key"])
        n, changed = apply_manual(resolution)
        sync.queue_for_index(sync.DETERMINATION, changed)
        messages.info(request, f"Choice stored; applied to {n} citation(s) with the same text.")


@admin.register(ManualResolution)
class ManualResolutionAdmin(admin.ModelAdmin):
    list_display = ("example", "document", "updated_at")
    search_fields = ("example", "key")
    autocomplete_fields = ("document",)
    filter_horizontal = ("sections",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _, changed = apply_manual(form.instance)
        sync.queue_for_index(sync.DETERMINATION, changed)


@admin.register(QuotedPassage)
class QuotedPassageAdmin(admin.ModelAdmin):
    list_display = ("text", "document", "section")
    list_filter = ("document__family", "document")
    search_fields = ("text",)
    raw_id_fields = ("item", "section")

    def save_model(self, request, obj, form, change):
        before = QuotedPassage.objects.filter(pk=obj.pk).values_list("section_id", flat=True).first()
        super().save_model(request, obj, form, change)
        sync.queue_for_index(sync.SECTION, {before, obj.section_id})
        sync.queue_for_index(sync.DETERMINATION, [obj.item.determination_id])

    def delete_model(self, request, obj):
        section, letter = obj.section_id, obj.item.determination_id
        super().delete_model(request, obj)
        sync.queue_for_index(sync.SECTION, [section])
        sync.queue_for_index(sync.DETERMINATION, [letter])
