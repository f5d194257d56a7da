"""npm-tracker: case management for National Preventive Mechanisms against torture."""

from .celery import app as celery_app

__all__ = ("celery_app",)
