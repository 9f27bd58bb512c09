# Sigap's production image: gunicorn for the web, the same image for worker and beat.
# Build: docker build -t sigap .    Run the stack: docker compose up -d (see README.md).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.txt requirements-dev.txt ./
# The runtime pins go into /venv, the only thing the final image takes from this stage.
# polib (pinned in requirements-dev.txt) compiles the translations and stays behind.
RUN python -m venv /venv \
    && /venv/bin/pip install -r requirements.txt \
    && pip install "$(grep '^polib==' requirements-dev.txt)"
COPY . .
ENV STATIC_ROOT=/app/staticfiles
# collectstatic imports the settings: a throwaway key and var dir, never shipped.
RUN python scripts/compile_translations.py --force \
    && SECRET_KEY=collectstatic-only SIGAP_VAR_DIR=/tmp/build-var DEBUG=0 \
       /venv/bin/python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build-var

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    SIGAP_VAR_DIR=/var/lib/sigap \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/var/lib/sigap/media \
    CATEGORIZER_MODEL_DIR=/var/lib/sigap/models \
    PORT=8000
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/sigap --create-home sigap \
    && install -d -o sigap -g sigap /var/lib/sigap/media /var/lib/sigap/models
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
USER sigap
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
# WEB_CONCURRENCY sets gunicorn's worker count (its own variable); threads serve slow clients.
CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:${PORT} --threads 4 --access-logfile - --no-control-socket"]
