# The IMR Knowledge Base image: one image for web (gunicorn), Celery worker and Celery beat
# (docker-compose.yml picks the command). README "Deploy".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin imr \
    && mkdir -p /data && chown imr:imr /data

# Dependencies first (a layer that changes only with pyproject.toml), then the code.
COPY pyproject.toml README.md ./
RUN mkdir -p imr_kb && touch imr_kb/__init__.py \
    && pip install . && pip uninstall -y imr-kb && rm -rf imr_kb build
COPY manage.py ./
# The project and its apps, lowest first (docs/architecture.md; tests/infra/test_deploy.py checks
# that every installed app of the project is copied).
COPY imr_kb ./imr_kb
COPY cases ./cases
COPY guidelines ./guidelines
COPY procedures ./procedures
COPY search ./search
COPY analytics ./analytics
COPY precedents ./precedents
COPY exports ./exports
COPY accounts ./accounts
COPY alerts ./alerts
COPY web ./web
COPY pipeline ./pipeline
COPY templates ./templates
COPY static ./static
COPY scripts ./scripts

# Static files are collected into the image (WhiteNoise serves them); the development key is
# fine for collectstatic, the server itself refuses it.
ENV DJANGO_STATIC_ROOT=/app/staticfiles \
    IMR_VAR_DIR=/data \
    IMR_SKIP_COLLECTSTATIC=1 \
    HOST=0.0.0.0 \
    PORT=8000
RUN IMR_VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput --verbosity 0 && rm -rf /tmp/build-var

USER imr
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "scripts/healthcheck.py"]
CMD ["bash", "scripts/serve.sh"]
