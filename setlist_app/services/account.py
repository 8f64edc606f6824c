"""A fan's control over their own account: the sign-in methods linked to it, and deleting it.

Deleting keeps the crowd's numbers true: the user's votes stay, re-keyed to a fresh anonymous
voter nobody holds a cookie for, so every song's and show's count is unchanged; their activity
shows as "A fan". Their Spotify tokens (the only copy: Spotify offers no revocation endpoint),
identities, follows and imports are deleted, and an audit entry records the deletion by id only.
Ending the user's sessions (Redis) is the caller's step after the commit (`auth.sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from setlist_app.auth.cookies import new_anon_id
from setlist_app.auth.oidc import provider_labels
from setlist_app.models.ops import ContentFlag
from setlist_app.models.users import Identity, OAuthToken, Role, User
from setlist_app.models.voting import Activity, Vote
from setlist_app.services import spotify_import
from setlist_app.services.admin.audit import record_own_action
from setlist_app.settings import Settings

LAST_ADMIN = "You are the only admin: make someone else an admin before deleting your account."


class AccountDeletionRefused(Exception):
    """The account cannot be deleted now (the only admin); the message is shown to the user."""


@dataclass(frozen=True)
class SignInMethod:
    provider: str  # the button's label, or the issuer's host for a provider no longer configured
    email: str


def sign_in_methods(session: Session, user_id: int, settings: Settings) -> list[SignInMethod]:
    """The identities linked to the account, oldest first, named as their sign-in buttons are."""
    labels = provider_labels(settings)
    rows = session.execute(
        select(Identity.issuer, Identity.email).where(Identity.user_id == user_id).order_by(Identity.id)
    ).all()
    return [SignInMethod(labels.get(iss) or urlparse(iss).netloc, email or "") for iss, email in rows]


@dataclass(frozen=True)
class DeletedAccount:
    votes_anonymized: int
    identities_removed: int
    spotify_tokens_deleted: int


def delete_account(session: Session, user_id: int) -> DeletedAccount:
    """Delete the user, keeping their votes anonymously. The caller commits, then ends the sessions."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:  # deleted already (a second submit while this browser's session was cached)
        return DeletedAccount(0, 0, 0)
    if user.role == Role.ADMIN:
        admins = session.execute(select(func.count()).where(User.role == Role.ADMIN)).scalar_one()
        if admins == 1:
            raise AccountDeletionRefused(LAST_ADMIN)
    voter, anonymous = f"u:{user_id}", f"a:{new_anon_id()}"
    votes = session.execute(
        update(Vote).where(Vote.voter == voter).values(voter=anonymous, user_id=None)
    ).rowcount
    session.execute(update(ContentFlag).where(ContentFlag.reporter == voter).values(reporter=anonymous))
    session.execute(update(Activity).where(Activity.user_id == user_id).values(user_id=None))
    tokens = session.execute(
        select(func.count()).select_from(OAuthToken).where(OAuthToken.user_id == user_id)
    ).scalar_one()
    spotify_import.disconnect(session, user_id)
    identities = session.execute(delete(Identity).where(Identity.user_id == user_id)).rowcount
    result = DeletedAccount(votes or 0, identities or 0, tokens)
    record_own_action(
        session,
        user_id,
        "account.delete",
        target=f"user:{user_id}",
        arguments={
            "votes_anonymized": result.votes_anonymized,
            "identities_removed": result.identities_removed,
            "spotify_tokens_deleted": result.spotify_tokens_deleted,
        },
    )
    session.execute(delete(User).where(User.id == user_id))  # follows and imports cascade
    return result
