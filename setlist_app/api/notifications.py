"""`/notifications/unsubscribe`: the e-mail digest's link (GET) and one-click unsubscribe (POST, RFC 8058)."""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from setlist_app.db import run_db
from setlist_app.services.notifications import unsubscribe
from setlist_app.settings import get_settings
from setlist_app.sync.notifications import UNSUBSCRIBE_PATH


def _page(title: str, text: str, status: int) -> HTMLResponse:
    home = escape(get_settings().app_url)
    body = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)} · Setlist</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'></head>"
        "<body style='font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem'>"
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href='{home}'>Back to Setlist</a></p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


async def unsubscribe_route(request: Request) -> HTMLResponse:
    if await run_db(unsubscribe, request.query_params.get("token")):
        return _page("You're unsubscribed", "We will send you no more notification e-mails.", 200)
    return _page("This link doesn't work", "The unsubscribe link is invalid or has expired.", 400)


def notification_routes() -> list[Route]:
    return [Route(UNSUBSCRIBE_PATH, unsubscribe_route, methods=["GET", "POST"])]
