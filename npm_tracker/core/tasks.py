"""Celery tasks of the project package (registered by the app's autodiscovery)."""

from npm_tracker.core.webhooks import deliver

__all__ = ["deliver"]
