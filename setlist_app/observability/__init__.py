"""Logs, Prometheus metrics and the middleware that times HTTP requests and Reflex events."""
