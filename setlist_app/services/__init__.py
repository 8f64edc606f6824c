"""Domain services: plain functions over a SQLModel session; no Reflex imports."""
