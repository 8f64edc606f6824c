"""One thin state per admin section; every one subclasses `AdminState` (server-side guard)."""
