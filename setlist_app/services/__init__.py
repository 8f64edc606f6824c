"""Use cases (the application layer): what pages, API routes and admins ask for — voting, search,
follows, profiles, the admin dashboard. Plain functions over a SQLModel session, built on
`setlist_app.domain` and the sync gateway; no Reflex imports (docs/architecture.md).
"""
