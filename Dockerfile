# npm-tracker application image. The web (gunicorn), Celery worker and Celery beat services of
# docker-compose.yml all run from this one image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs through Pango, HarfBuzz and fontconfig from the OS (current WeasyPrint
# wheels also load libharfbuzz-subset for font subsetting); gettext compiles the translation
# catalogs, whose .mo files are not committed.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        gettext \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user the services run as. The code stays owned by root (read-only for the app);
# only the media directory is writable.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown app:app /data/media

WORKDIR /app

# Dependencies first, so code changes do not invalidate the pip layer.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files and translation catalogs are built into the image. collectstatic runs with the
# production storage (hashed names plus the staticfiles.json manifest that production requires) and
# a placeholder key used only by this build step; it is not kept in the image's environment.
RUN DJANGO_ENV=production \
    DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-only-placeholder-key-never-used-at-runtime \
    sh -c 'python manage.py collectstatic --noinput \
        && if find . -name "*.po" -print -quit | grep -q .; then \
            python manage.py compilemessages; \
        fi'

ENV DJANGO_ENV=production \
    MEDIA_ROOT=/data/media

USER app

EXPOSE 8000

CMD ["gunicorn", "npm_tracker.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
