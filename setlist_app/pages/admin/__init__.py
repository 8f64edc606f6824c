"""The admin dashboard pages (/admin, /admin/jobs, ... /admin/audit); see DESIGN.md §9."""

from setlist_app.pages.admin.overview import overview
from setlist_app.pages.admin.sections import artists, audit, crons, jobs, moderation, providers, users

__all__ = ["artists", "audit", "crons", "jobs", "moderation", "overview", "providers", "users"]
