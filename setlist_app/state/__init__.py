"""Reflex states: thin layers that read identity, call a service and hold what a page shows."""
