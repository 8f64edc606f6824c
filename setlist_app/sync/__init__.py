"""The sync pipeline (DESIGN.md §6): planners create jobs through one gateway, executors run them.

Importing `setlist_app.sync.registry` loads every planner and executor module so the registries
are complete; the worker and the tests import it.
"""
