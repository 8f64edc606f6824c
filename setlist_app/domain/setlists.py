"""Storing an actual setlist and scoring the fans' prediction and the seeded baseline against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, delete, select

from setlist_app.domain import scoring, user_stats
from setlist_app.domain.titles import TitleMatcher
from setlist_app.models import (
    Activity,
    ActualSetlist,
    ActualSetlistSong,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    Song,
)

SCORED_KIND = "prediction_scored"  # activity: a fan's votes were scored, data {"correct": n, "scored": m}


@dataclass(frozen=True)
class PlayedSong:
    """One performed song, provider-neutral (setlist.fm results are converted to this)."""

    title: str
    set_index: int = 0
    set_name: str | None = None
    encore: int = 0
    tape: bool = False
    cover_artist: str | None = None
    info: str | None = None


def catalog_index(session: Session, artist_id: int) -> dict[str, int]:
    """normalized title -> song id for an artist's catalog (first song wins)."""
    rows = session.exec(
        select(Song.normalized_title, Song.id)
        .join(ArtistSong, ArtistSong.song_id == Song.id)
        .where(ArtistSong.artist_id == artist_id)
        .order_by(ArtistSong.position)
    ).all()
    index: dict[str, int] = {}
    for title, song_id in rows:
        index.setdefault(title, song_id)
    return index


def store_actual_setlist(
    session: Session,
    show: Show,
    songs: Sequence[PlayedSong],
    *,
    setlistfm_id: str | None = None,
    tour_name: str | None = None,
) -> ActualSetlist:
    """Replace the show's actual setlist, match songs to the catalog, mark predicted ones, score it.

    Scored twice (domain.scoring): the songs fans voted for and the songs seeded from recent
    setlists, each as the share of the performed songs (tapes excluded) it had. Titles are matched
    with the normalised `TitleMatcher` (unmatched songs stay as text); the voters' accuracy stats
    move by the difference this scoring makes (domain.user_stats).
    """
    assert show.id is not None
    # Two imports of one show at once (a planner's and an admin's "Look again" on two workers) take
    # turns on the show's row, so the second replaces the first's setlist instead of failing on the
    # unique show_id (PostgreSQL; SQLite lets one writer in at a time and renders no FOR UPDATE).
    session.exec(select(Show.id).where(Show.id == show.id).with_for_update())
    existing = session.exec(select(ActualSetlist).where(ActualSetlist.show_id == show.id)).first()
    before = user_stats.show_scores(session, show.id, existing.id if existing else None)
    if existing is not None:
        session.exec(delete(ActualSetlistSong).where(ActualSetlistSong.setlist_id == existing.id))
        setlist = existing
    else:
        setlist = ActualSetlist(show_id=show.id)
    setlist.setlistfm_id = setlistfm_id
    setlist.tour_name = tour_name
    session.add(setlist)
    session.flush()

    matcher = TitleMatcher(catalog_index(session, show.artist_id))
    prediction = _prediction(session, show.id)
    played_ids: list[int | None] = []
    matched = 0
    for position, song in enumerate(songs, start=1):
        song_id = None if song.tape else matcher.match(song.title)
        entry = prediction.get(song_id) if song_id is not None else None
        if not song.tape:
            played_ids.append(song_id)
            matched += song_id is not None
        session.add(
            ActualSetlistSong(
                setlist_id=setlist.id,
                position=position,
                set_index=song.set_index,
                set_name=song.set_name,
                encore=song.encore,
                title=song.title[:500],
                song_id=song_id,
                is_tape=song.tape,
                is_cover=song.cover_artist is not None,
                cover_artist=song.cover_artist,
                info=song.info,
                was_predicted=entry is not None and entry.votes > 0,
                was_seeded=entry is not None and entry.seeded,
                prediction_votes=entry.votes if entry is not None else 0,
            )
        )
    fans, seeded = scoring.score(played_ids, prediction)
    setlist.song_count = fans.played
    setlist.matched_count = matched
    setlist.predicted_count, setlist.fan_picks, setlist.accuracy = fans.hits, fans.picks, fans.accuracy
    setlist.seed_hits, setlist.seed_picks, setlist.seed_accuracy = seeded.hits, seeded.picks, seeded.accuracy
    session.add(setlist)
    community = session.exec(select(Prediction).where(Prediction.show_id == show.id)).first()
    if community is not None:
        community.accuracy = setlist.accuracy
        session.add(community)
    session.flush()
    after = user_stats.show_scores(session, show.id, setlist.id)
    user_stats.apply_scores(session, before, after, first_scoring=existing is None)
    if existing is None:  # the feed tells fans once, when the show is first scored
        record_scored(
            session, show.id, show.artist_id, {uid: (s.scored, s.correct) for uid, s in after.items()}
        )
    return setlist


def _prediction(session: Session, show_id: int) -> dict[int, scoring.PredictedSong]:
    """The show's visible prediction songs with their vote counters (what fans saw on the page)."""
    rows = session.exec(
        select(PredictionSong.song_id, PredictionSong.source, PredictionSong.vote_count)
        .join(Prediction, Prediction.id == PredictionSong.prediction_id)
        .where(Prediction.show_id == show_id, PredictionSong.hidden == False)  # noqa: E712
    ).all()
    return {song_id: scoring.PredictedSong(votes, source == "seed") for song_id, source, votes in rows}


def record_scored(session: Session, show_id: int, artist_id: int, scores: dict[int, tuple[int, int]]) -> int:
    """Feed rows for fans who called at least one song (user id -> (scored, correct)); caller commits.

    Called by `store_actual_setlist` in its transaction, next to `user_stats.apply_scores`.
    """
    rows = [
        Activity(
            kind=SCORED_KIND,
            user_id=user_id,
            artist_id=artist_id,
            show_id=show_id,
            data={"scored": scored, "correct": correct},
        )
        for user_id, (scored, correct) in sorted(scores.items())
        if correct > 0
    ]
    session.add_all(rows)
    return len(rows)
