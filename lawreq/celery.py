from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

app = Celery("lawreq")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
