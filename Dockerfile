# One image for web (gunicorn), Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORTAL_VAR_DIR=/app/var
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY portal ./portal
COPY bench ./bench
RUN pip install -c constraints.txt .

COPY . .
# Static files and translations are built into the image; the throw-away values only satisfy the
# production settings checks during the build.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH \
    DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && python manage.py compile_translations \
 && useradd --system --uid 1000 portal && mkdir -p /app/var && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
