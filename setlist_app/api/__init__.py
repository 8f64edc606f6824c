"""Starlette routes and middleware mounted in front of Reflex (api_transformer)."""
