"""Celery workers of Jinbiao: thin jobs that open a session, call a service, commit."""
