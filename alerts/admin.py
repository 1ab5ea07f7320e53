from django.contrib import admin

from alerts.models import AlertDelivery, SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "active", "last_alerted_at", "last_sent_at", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "query", "user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ("saved_search", "status", "decisions", "recipient", "window_end", "sent_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in AlertDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
