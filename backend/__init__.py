"""Jinbiao (津标) backend: FastAPI app, data model, services and the command line."""

__version__ = "0.1.0"
