# One image for the API, the workers and beat; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY backend backend
COPY workers workers
COPY quality quality
COPY migrations migrations
COPY labeling_ui labeling_ui
COPY datasets datasets
RUN pip install -e . && useradd --create-home jinbiao && mkdir -p /data && chown jinbiao /data
USER jinbiao
EXPOSE 8000
CMD ["jinbiao", "serve", "--host", "0.0.0.0", "--no-worker"]
