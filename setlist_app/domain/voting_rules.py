"""Voting rules (DESIGN.md §4) without the database: who may vote, when a show takes votes, and the
anonymous allowance. `services/voting` applies them inside one transaction.

Fan-facing messages live here too (unit tests pin them): a refusal is a `VoteRejected` whose
`message` is written for fans and whose `code` is for code and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from setlist_app.models import ShowStatus, utcnow
from setlist_app.settings import get_settings


class VoteRejected(Exception):
    """A vote or add the rules refuse; `message` is written for fans, `code` for code and tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def needs_sign_in(self) -> bool:
        return self.code in ("anon_vote_limit", "anon_add_limit")


# Fan-facing messages, one place (unit tests pin them).
MESSAGES: dict[str, str] = {
    "no_identity": "We couldn't recognise your browser. Reload the page (with cookies enabled) to vote.",
    "banned": "Your account can't vote or add songs right now.",
    "unknown_song": "That song isn't in this prediction any more. Reload the page to see the latest list.",
    "unknown_show": "We couldn't find that show.",
    "completed": "This show has already happened, so voting is closed. See how the fans did below.",
    "cancelled": "This show was cancelled, so voting is closed.",
    "postponed": "This show was postponed. Voting reopens when it has a new date.",
    "started": "Voting closed when the show started.",
    "not_in_catalog": "That song isn't in this artist's studio catalog, so it can't be added.",
    "removed": "That song was removed from this prediction by a moderator.",
    "anon_vote_limit": "You've used your {limit} free votes for this show. Sign in to keep voting. It's free.",
    "anon_add_limit": "You've added {limit} songs to this show. Sign in to add more. It's free.",
    "rate_limited": "Whoa, that's a lot of votes in a minute. Take a breather and try again shortly.",
}


def rejection(code: str, **fmt: Any) -> VoteRejected:
    return VoteRejected(code, MESSAGES[code].format(**fmt))


def require_voter(role: str, voter_key: str | None) -> str:
    """The key a viewer votes under; refuses a banned account and a browser without identity."""
    if role == "banned":
        raise rejection("banned")
    if voter_key is None:
        raise rejection("no_identity")
    return voter_key


def check_open(status: str, starts_at: datetime, now: datetime | None = None) -> None:
    """Raise unless the show still takes votes: upcoming and not yet started."""
    if status != ShowStatus.UPCOMING:
        code = status if status in ("completed", "cancelled", "postponed") else "completed"
        raise rejection(code)
    if starts_at <= (now or utcnow()):
        raise rejection("started")


@dataclass(frozen=True)
class Allowance:
    """What an anonymous voter has left on a show (None = unlimited, i.e. signed in)."""

    votes_left: int | None
    adds_left: int | None


def allowance_left(used_votes: int, used_adds: int) -> Allowance:
    """An anonymous voter's free votes and adds left on a show, given what they used."""
    settings = get_settings()
    return Allowance(
        max(settings.anon_votes_per_show - used_votes, 0), max(settings.anon_adds_per_show - used_adds, 0)
    )


@dataclass
class AnonTally:
    """One anonymous voter on one show: the prediction songs whose vote counts against the
    allowance (not songs they added themselves), and how many songs they added."""

    counted: set[int] = field(default_factory=set)
    adds: int = 0

    def take(self, prediction_song_id: int, want: bool, limit: int) -> bool:
        """Count a vote (`want`) or an unvote on this song; False (nothing counted) when a vote
        would go over `limit`. A repeat vote on a counted song is always allowed."""
        if want:
            if len(self.counted - {prediction_song_id}) >= limit:
                return False
            self.counted.add(prediction_song_id)
        else:
            self.counted.discard(prediction_song_id)
        return True

    def left(self) -> Allowance:
        return allowance_left(len(self.counted), self.adds)
