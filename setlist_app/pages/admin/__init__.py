"""The admin dashboard pages (/admin, /admin/jobs, ... /admin/audit), one module each; see DESIGN.md §9."""

from setlist_app.pages.admin.artists import artists
from setlist_app.pages.admin.audit import audit
from setlist_app.pages.admin.crons import crons
from setlist_app.pages.admin.jobs import jobs
from setlist_app.pages.admin.moderation import moderation
from setlist_app.pages.admin.overview import overview
from setlist_app.pages.admin.providers import providers
from setlist_app.pages.admin.users import users

__all__ = ["artists", "audit", "crons", "jobs", "moderation", "overview", "providers", "users"]
