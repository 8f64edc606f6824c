"""Account control: deleting an account keeps every count true; signing out everywhere ends every
session of the user (and only theirs). Both refuse cross-site requests."""

from __future__ import annotations

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from setlist_app.auth import sessions
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.auth.crypto import cipher_from_settings
from setlist_app.auth.spotify_tokens import store_tokens
from setlist_app.auth.viewer import Viewer, viewer_from_cookie_header
from setlist_app.models.catalog import Show, ShowStatus
from setlist_app.models.ops import AdminAuditLog
from setlist_app.models.users import Identity, OAuthToken, Role, User
from setlist_app.models.voting import Activity, Prediction, PredictionSong, Vote
from setlist_app.services import voting
from setlist_app.services.account import AccountDeletionRefused, delete_account
from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.settings import get_settings
from setlist_app.state.account import AccountState
from tests.integration.auth.conftest import APP, session_cookie, sign_in
from tests.integration.auth.helpers import root_state, run_handler, substate

SAME_SITE = {"origin": APP}


def _resolves(cookie: str) -> int | None:
    sessions.clear_cache()  # this process's cache; the check is about the server-side session
    return viewer_from_cookie_header(f"{SESSION_COOKIE}={cookie}").user_id


def _counts(session: Session) -> tuple[dict[int, int], dict[int, int]]:
    session.expire_all()
    songs = {p.id: p.vote_count for p in session.exec(select(PredictionSong)).all()}
    shows = {s.id: s.vote_count for s in session.exec(select(Show)).all()}
    return songs, shows


async def test_deleting_an_account_keeps_the_votes_anonymously(
    client: httpx.AsyncClient, session: Session
) -> None:
    seed_demo_catalog(session)
    session.commit()
    await sign_in(client, "demo-sam")
    user_id = session.exec(select(User.id)).one()
    phone = sessions.create_session(user_id)  # another device
    prediction = session.exec(
        select(Prediction).join(Show, Show.id == Prediction.show_id).where(Show.status == ShowStatus.UPCOMING)
    ).first()
    picks = session.exec(select(PredictionSong).where(PredictionSong.prediction_id == prediction.id)).all()[
        :2
    ]
    for song in picks:
        voting.set_vote(session, Viewer(user_id=user_id, role="user"), song.id, True)
    store_tokens(
        session, cipher_from_settings(get_settings()), user_id, {"access_token": "at", "refresh_token": "rt"}
    )
    session.commit()
    before = _counts(session)

    refused = await client.post("/auth/account/delete", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403 and session.get(User, user_id) is not None

    response = await client.post("/auth/account/delete", headers=SAME_SITE)
    assert response.status_code == 303 and response.headers["location"] == "/account?account=deleted"
    assert session_cookie(response) is None
    session.expire_all()
    assert session.get(User, user_id) is None
    assert _counts(session) == before  # every song's and show's count unchanged
    votes = session.exec(select(Vote).where(Vote.prediction_song_id.in_([p.id for p in picks]))).all()
    mine = [v for v in votes if v.voter.startswith("a:") and v.user_id is None]
    assert len(mine) == 2 and len({v.voter for v in mine}) == 1  # one anonymous voter now
    for song in picks:  # the counters still equal the vote rows
        assert before[0][song.id] == len([v for v in votes if v.prediction_song_id == song.id])
    assert session.exec(select(Identity)).all() == []
    assert session.exec(select(OAuthToken)).all() == []
    assert session.exec(select(func.count()).where(Activity.user_id.is_not(None))).one() == 0
    entry = session.exec(select(AdminAuditLog).where(AdminAuditLog.action == "account.delete")).one()
    assert entry.target == f"user:{user_id}" and entry.admin_user_id is None
    assert entry.arguments == {"votes_anonymized": 2, "identities_removed": 1, "spotify_tokens_deleted": 1}
    assert _resolves(phone) is None  # the other device is signed out too
    assert delete_account(session, user_id).votes_anonymized == 0  # a second submit finds nothing


def test_the_only_admin_cannot_delete_their_account(session: Session) -> None:
    admin = User(email="ada@setlist.test", name="Ada", role=Role.ADMIN)
    session.add(admin)
    session.commit()
    try:
        delete_account(session, admin.id)
    except AccountDeletionRefused:
        session.rollback()
    else:
        raise AssertionError("the last admin deleted their account")
    assert session.get(User, admin.id) is not None


async def test_signing_out_everywhere_ends_every_session_of_the_user(
    client: httpx.AsyncClient, session: Session
) -> None:
    await sign_in(client, "demo-sam")
    sam = session.exec(select(User)).one()
    here = client.cookies[SESSION_COOKIE]
    laptop = sessions.create_session(sam.id)
    riley = User(email="riley@setlist.test", name="Riley")
    session.add(riley)
    session.commit()
    bystander = sessions.create_session(riley.id)

    refused = await client.post("/auth/logout-everywhere", headers={"origin": "https://evil.example"})
    assert refused.status_code == 403 and _resolves(laptop) == sam.id

    response = await client.post("/auth/logout-everywhere", headers=SAME_SITE)
    assert response.status_code == 303 and session_cookie(response) is None
    assert _resolves(here) is None and _resolves(laptop) is None
    assert _resolves(bystander) == riley.id


async def test_the_digest_switch_stores_the_choice(client: httpx.AsyncClient, session: Session) -> None:
    """The account page's e-mail digest switch: off, back on (after an unsubscribe link too), and a
    visitor whose session ended is told so and changes nothing."""
    await sign_in(client, "demo-sam")
    user_id = session.exec(select(User.id)).one()
    state = substate(
        root_state(f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}", "/account"), AccountState
    )
    for on, says in ((False, "No more digest e-mails"), (True, "once this server sends e-mail")):
        [toast] = await run_handler(AccountState.set_email_digest.fn, state, on=on)
        session.expire_all()
        assert session.get(User, user_id).email_digest is on and state.email_digest is on
        assert says in str(toast), toast  # no SMTP_URL here: the choice is kept, nothing promised
    gone = substate(root_state("", "/account"), AccountState)
    [toast] = await run_handler(AccountState.set_email_digest.fn, gone, on=False)
    session.expire_all()
    assert session.get(User, user_id).email_digest is True and gone.signed_in is False


async def test_the_account_page_never_shows_the_previous_account(
    client: httpx.AsyncClient, session: Session
) -> None:
    """A tab keeps its page state across sign-out and sign-in: the page's first update (before any
    lookup) already clears the previous account's name, e-mail and sign-in methods."""
    await sign_in(client, "demo-sam")
    state = substate(
        root_state(f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}", "/account"), AccountState
    )
    state.name, state.email, state.sign_in_methods = "Previous Person", "prev@x.test", ["stale"]
    updates = AccountState.load.fn(state)
    await anext(updates)  # the first update the browser gets
    assert (state.loading, state.name, state.email, state.sign_in_methods) == (True, "", "", [])
    async for _ in updates:
        pass
    assert state.name == "Sam Fan" and not state.loading
