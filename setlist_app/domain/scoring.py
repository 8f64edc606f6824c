"""Scoring a show's prediction honestly: what the fans predicted and what we seeded, kept apart.

A prediction starts with songs we seed from the artist's recent setlists (`predictions.seed_prediction`)
before any fan has voted. Those are our guess, not the fans': counting their hits as "fan accuracy"
claimed fans predicted what nobody predicted. So a played setlist gets two scores:

- the **fans' prediction**: the songs at least one fan voted for (adding a song counts the adder's
  vote); a show nobody voted on has no fan prediction at all, not a 0 % one;
- the **seeded baseline**: the songs seeded from recent setlists, votes or not.

A song can be in both. Both scores use the same measure: the share of the songs played (tapes
excluded) that the prediction had. The words below are the only ones the after-show view, the home
cards and the profiles use, so a fan reads the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEEDED_LABEL = "from recent setlists"  # the badge on a seeded song
SEEDED_HINT = "Seeded from the artist's recent setlists before fans voted; not a fan pick."
NO_FAN_PREDICTIONS = "No fan predictions for this show"
NOTHING_PLAYED = "No songs were listed for this show."


@dataclass(frozen=True)
class Score:
    """One prediction against the setlist."""

    picks: int  # songs in this prediction
    hits: int  # songs played that it had (a song played twice counts twice)
    played: int  # songs played, tapes excluded

    @property
    def accuracy(self) -> float | None:
        """Percent of the songs played that this prediction had; None when there was nothing to
        score (no picks, or no songs listed) — never a made-up 0 %."""
        if self.picks == 0 or self.played == 0:
            return None
        return round(100.0 * self.hits / self.played, 1)


@dataclass(frozen=True)
class PredictedSong:
    """A song of the show's prediction as scoring sees it."""

    votes: int  # fans' votes on it
    seeded: bool  # seeded from recent setlists


def score(played: Iterable[int | None], prediction: Mapping[int, PredictedSong]) -> tuple[Score, Score]:
    """(fans' prediction, seeded baseline) for the played song ids (None: not in the catalog).

    `played` excludes tapes; `prediction` maps song id to its votes and origin (hidden songs left out).
    """
    played = list(played)
    fans = {song_id for song_id, p in prediction.items() if p.votes > 0}
    seeded = {song_id for song_id, p in prediction.items() if p.seeded}
    return (
        Score(len(fans), sum(s in fans for s in played), len(played)),
        Score(len(seeded), sum(s in seeded for s in played), len(played)),
    )


def format_pct(value: float | None) -> str:
    """'62%' / '62.5%' / '—'."""
    if value is None:
        return "—"
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def fans_line(fans: Score) -> str:
    """The sentence under the fans' score (after-show view)."""
    if fans.picks == 0:
        return f"{NO_FAN_PREDICTIONS}: nobody voted before it started."
    if fans.played == 0:
        return NOTHING_PLAYED
    songs = "song" if fans.picks == 1 else "songs"
    return f"Fans called {fans.hits} of the {fans.played} songs played (they voted for {fans.picks} {songs})."


def baseline_line(seeded: Score) -> str:
    """The sentence under the seeded baseline (after-show view)."""
    if seeded.picks == 0:
        return "Nothing was seeded for this show."
    if seeded.played == 0:
        return NOTHING_PLAYED
    return f"{seeded.hits} of the {seeded.played} songs played were among the {seeded.picks} {SEEDED_LABEL}."


def card_label(fan_picks: int, fan_accuracy: float | None) -> str:
    """The badge on a completed show's card: the fans' score, or that there was none ('' = not scored)."""
    if fan_picks == 0:
        return NO_FAN_PREDICTIONS
    return "" if fan_accuracy is None else f"Fans called {format_pct(fan_accuracy)}"


def fan_record(correct: int, scored: int) -> str:
    """A fan's own record on a profile ('Called 3 of 7 songs voted for'), in a show score's words."""
    if scored <= 0:
        return "Scored after your first show"
    songs = "song" if scored == 1 else "songs"
    return f"Called {correct} of {scored} {songs} voted for"
