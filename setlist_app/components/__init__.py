"""Reusable UI pieces (layout, cards, states)."""
