"""After a show, the fans' prediction and the seeded baseline are scored apart, on every page that says so.

The bug: songs seeded from recent setlists (0 votes each) were scored as "fan prediction accuracy",
and the home card said "47 % predicted" for a show nobody voted on.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.models import (
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    Song,
    User,
    Venue,
    Vote,
    utcnow,
)
from setlist_app.services.after_show import after_show
from setlist_app.services.catalog_views import recently_completed

TITLES = ["One", "Two", "Three", "Four"]


def _seeded_show(session: Session, slug: str, days_ago: int) -> tuple[Show, dict[str, PredictionSong]]:
    """A completed show whose prediction is the four titles, all seeded, with no votes."""
    artist = Artist(slug=f"artist-{slug}", name=f"Artist {slug}", normalized_name=f"artist {slug}")
    venue = Venue(slug=f"v-{slug}", name="Hall", city="City", country="X", country_code="XX", timezone="UTC")
    songs = [Song(title=t, normalized_title=t.lower()) for t in TITLES]
    session.add_all([artist, venue, *songs])
    session.flush()
    starts = utcnow() - timedelta(days=days_ago)
    show = Show(
        slug=slug,
        artist_id=artist.id,
        venue_id=venue.id,
        name=slug,
        status="completed",
        starts_at=starts,
        local_date=starts.date(),
    )
    session.add(show)
    session.add_all([ArtistSong(artist_id=artist.id, song_id=s.id, position=i) for i, s in enumerate(songs)])
    session.flush()
    prediction = Prediction(show_id=show.id, status="seeded")
    session.add(prediction)
    session.flush()
    rows = {
        s.title: PredictionSong(prediction_id=prediction.id, song_id=s.id, source="seed", position=i)
        for i, s in enumerate(songs)
    }
    session.add_all(rows.values())
    session.flush()
    return show, rows


PLAYED = [PlayedSong("Intro", tape=True), PlayedSong("One"), PlayedSong("Two"), PlayedSong("New Song")]


def test_a_show_nobody_voted_on_has_no_fan_score_only_the_seeded_baseline(session: Session) -> None:
    show, _ = _seeded_show(session, "quiet", 2)
    setlist = store_actual_setlist(session, show, PLAYED)
    session.commit()

    assert (setlist.fan_picks, setlist.predicted_count, setlist.accuracy) == (0, 0, None)
    assert (setlist.seed_picks, setlist.seed_hits, setlist.seed_accuracy) == (4, 2, 66.7)
    view = after_show(session, show.id)
    assert (view.accuracy, view.fans_predicted) == ("—", False)
    assert view.accuracy_note.startswith("No fan predictions for this show")
    assert (view.baseline, view.baseline_note) == (
        "66.7%",
        "2 of the 3 songs played were among the 4 from recent setlists.",
    )
    played = [song for block in view.sets for song in block.songs]
    assert [(s.title, s.predicted, s.seeded) for s in played] == [
        ("Intro", False, False),
        ("One", False, True),
        ("Two", False, True),
        ("New Song", False, False),
    ]
    assert view.missed == []
    [card] = recently_completed(session)
    assert (card.accuracy, card.fans_predicted) == ("No fan predictions for this show", False)


def test_fans_are_scored_on_the_songs_they_voted_for(session: Session) -> None:
    show, rows = _seeded_show(session, "loud", 1)
    fan = User(email="f@x.test", name="Fan")
    session.add(fan)
    session.flush()
    for title in ("Two", "Four"):  # one hit, one miss; "One" was seeded and played but nobody voted
        rows[title].vote_count = 1
        session.add(
            Vote(prediction_song_id=rows[title].id, show_id=show.id, voter=f"u:{fan.id}", user_id=fan.id)
        )
    session.flush()
    store_actual_setlist(session, show, PLAYED)
    session.commit()

    view = after_show(session, show.id)
    assert (view.accuracy, view.accuracy_note) == (
        "33.3%",
        "Fans called 1 of the 3 songs played (they voted for 2 songs).",
    )
    assert view.baseline == "66.7%" and view.fans_predicted
    assert [(m.title, m.votes) for m in view.missed] == [("Four", 1)]
    played = {s.title: s for block in view.sets for s in block.songs}
    assert (played["One"].predicted, played["Two"].predicted, played["Two"].votes) == (False, True, 1)
    [card] = recently_completed(session)
    assert (card.accuracy, card.fans_predicted) == ("Fans called 33.3%", True)
    assert session.get(Prediction, rows["Two"].prediction_id).accuracy == 33.3  # type: ignore[union-attr]
