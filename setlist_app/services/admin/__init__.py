"""Admin dashboard services (DESIGN.md §9): plain functions over a `Session`, no Reflex.

Every mutating function takes the acting `Viewer`, checks the role itself and goes through
`audit.perform`, which records who did what, with which arguments, and how it ended.
"""
