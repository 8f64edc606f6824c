"""Community predictions: creating a show's prediction and seeding its first songs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from setlist_app.models import Prediction, PredictionSong, PredictionStatus, utcnow


def ensure_prediction(session: Session, show_id: int) -> Prediction:
    """The show's one community prediction, created if missing."""
    prediction = session.exec(select(Prediction).where(Prediction.show_id == show_id)).first()
    if prediction is None:
        prediction = Prediction(show_id=show_id)
        session.add(prediction)
        session.flush()
    return prediction


def seed_prediction(session: Session, show_id: int, song_ids: Sequence[int]) -> int:
    """Add seed songs to a show's prediction; fans' songs and votes are never touched.

    Returns how many songs were added. Songs already present (seeded or added by fans) stay.
    """
    prediction = ensure_prediction(session, show_id)
    present = set(
        session.exec(select(PredictionSong.song_id).where(PredictionSong.prediction_id == prediction.id))
    )
    next_position = (
        session.exec(
            select(func.coalesce(func.max(PredictionSong.position), 0)).where(
                PredictionSong.prediction_id == prediction.id
            )
        ).one()
        or 0
    )
    added = 0
    for song_id in song_ids:
        if song_id in present:
            continue
        next_position += 1
        session.add(
            PredictionSong(
                prediction_id=prediction.id, song_id=song_id, source="seed", position=next_position
            )
        )
        present.add(song_id)
        added += 1
    prediction.status = PredictionStatus.SEEDED
    prediction.seeded_at = prediction.seeded_at or utcnow()
    session.add(prediction)
    session.flush()
    return added


def rank_for_seeding(
    play_counts: dict[int, float], catalog_order: Sequence[int], limit: int = 10
) -> list[int]:
    """Most-played songs first (ties and unplayed songs in catalog order), at most `limit`."""
    order = {song_id: i for i, song_id in enumerate(catalog_order)}
    played = sorted(
        (s for s in play_counts if s in order and play_counts[s] > 0),
        key=lambda s: (-play_counts[s], order[s]),
    )
    rest = [s for s in catalog_order if s not in set(played)]
    return (played + rest)[:limit]


def recency_weighted_counts(
    performances: Iterable[tuple[date, Iterable[int]]], today: date, half_life_days: float = 180.0
) -> dict[int, float]:
    """Play counts where a show `half_life_days` old counts half as much as one played today.

    `performances` are (show date, song ids played) pairs; a song counts once per show.
    """
    weights: dict[int, float] = {}
    for played_on, song_ids in performances:
        age = max((today - played_on).days, 0)
        weight = 0.5 ** (age / half_life_days) if half_life_days > 0 else 1.0
        for song_id in set(song_ids):
            weights[song_id] = weights.get(song_id, 0.0) + weight
    return weights
