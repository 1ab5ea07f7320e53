from django.core.management.base import BaseCommand, CommandError

from alerts.send import send_alerts
from search.backends.base import SearchBackendError


class Command(BaseCommand):
    help = (
        "E-mail each active saved search's new decisions (letters stored since its last alert), "
        "then move its cursor. Safe to run concurrently with itself and the Celery beat task."
    )

    def handle(self, *args, **options):
        try:
            summary = send_alerts()
        except SearchBackendError as exc:
            raise CommandError(f"search index unavailable, no alert sent: {exc}") from exc
        self.stdout.write(summary.line())
        for error in summary.errors:
            self.stderr.write(f"failed: {error}")
        if summary.failed:
            raise CommandError(f"{summary.failed} alert(s) could not be sent (they are sent again next run)")
