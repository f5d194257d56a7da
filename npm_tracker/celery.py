"""The Celery application. Tasks are thin: ids in, a service call, safe to run twice."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npm_tracker.settings")

app = Celery("npm_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
