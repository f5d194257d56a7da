#!/usr/bin/env bash
# Starts the web app, a Celery worker and Celery beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/run

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web, worker and beat..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/python manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)
.venv/bin/celery -A npm_tracker worker --loglevel=INFO --concurrency=2 &
pids+=($!)
.venv/bin/celery -A npm_tracker beat --loglevel=INFO --schedule var/run/celerybeat-schedule &
pids+=($!)

user=$(.venv/bin/python -c 'from django.conf import settings; import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npm_tracker.settings"); django.setup()
print(settings.DEMO_USERNAME, settings.DEMO_PASSWORD)')
cat <<MSG

  npm-tracker is running:
    URL:        http://$HOST:$PORT/admin/
    Demo login: ${user% *} / ${user#* }   (staff of both countries, KZ and KG)
  Web, Celery worker and Celery beat are running; press Ctrl-C to stop all three.

MSG
# Stop everything as soon as any of the three exits.
wait -n
