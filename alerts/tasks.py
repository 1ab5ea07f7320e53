"""The Celery beat task that sends alerts (settings.CELERY_BEAT_SCHEDULE, "send-alerts")."""

from __future__ import annotations

import logging

from celery import shared_task

from alerts.send import send_alerts as run

log = logging.getLogger(__name__)


@shared_task(name="alerts.tasks.send_alerts")
def send_alerts() -> dict:
    summary = run()
    log.info("alerts: %s", summary.line())
    return {"sent": summary.sent, "decisions": summary.decisions, "failed": summary.failed, "taken": summary.taken}
