"""Search ranking, discovery requests, accuracy, streaks, leaderboard, follows and the feed (SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.domain.user_stats import VoterScore, apply_scores
from setlist_app.models import Activity, Artist, User
from setlist_app.services import activity_feed, follows, profiles, search


def _artist(db: Session, name: str, **kw: object) -> Artist:
    from setlist_app.domain.titles import normalize_name, slugify

    artist = Artist(slug=slugify(name), name=name, normalized_name=normalize_name(name), **kw)
    db.add(artist)
    db.flush()
    return artist


def test_search_ranks_exact_then_prefix_then_word_then_substring(db: Session) -> None:
    for name, pop in [("The Qadio Dept", 90), ("Qadiohead", 10), ("Qadio", 1), ("Audioqadio", 99)]:
        _artist(db, name, popularity=pop)
    titles = [h.title for h in search.search(db, "qadio", limit=10).artists]
    assert titles == ["Qadio", "Qadiohead", "The Qadio Dept", "Audioqadio"]
    # A name that matched an artist, even in part, is not offered as a request ("Can't find 'qadi'?").
    assert search.search(db, "qadi").offer_request is False
    assert search.search(db, "zzyzx quartet").offer_request is True


def test_search_covers_shows_venues_and_songs_and_ignores_short_queries(db: Session) -> None:
    results = search.search(db, "London")
    assert results.venues and all("London" in v.subtitle for v in results.venues)
    assert results.shows and all(h.href.startswith("/shows/") for h in results.shows)
    songs = search.search(db, "karma police").songs
    assert songs[0].title == "Karma Police" and songs[0].href == "/artists/radiohead"
    assert search.search(db, "r").total == 0
    assert search.search(db, "100% ''; DROP").total == 0  # hostile input is just text


def test_request_artist_dedupes_reuses_known_and_rate_limits(db: Session) -> None:
    known = search.request_artist(db, "radiohead", "user:1")
    assert known.status == "found" and known.artist_slug == "radiohead"
    first = search.request_artist(db, "Zzyzx  Quartet", "user:1")
    again = search.request_artist(db, "zzyzx quartet!", "user:2")
    assert first.status == "pending" and again.job_id == first.job_id
    job = db.execute(
        text("SELECT kind, key, payload FROM sync_jobs WHERE id = :i"), {"i": first.job_id}
    ).one()
    assert job[0] == "discover_artist" and job[1] == "name:zzyzx quartet"
    for i in range(search.REQUESTS_PER_HOUR - 1):
        search.request_artist(db, f"Unknown Band {i}", "user:1")
    with pytest.raises(search.RequestRefused):
        search.request_artist(db, "One Too Many", "user:1")
    with pytest.raises(search.RequestRefused):
        search.request_artist(db, "x", "user:3")


def test_accuracy_and_formatting() -> None:
    assert profiles.accuracy_pct(13, 20) == 65.0
    assert profiles.accuracy_pct(1, 3) == 33.3
    assert profiles.accuracy_pct(0, 0) is None
    assert profiles.format_pct(None) == "—" and profiles.format_pct(65.0) == "65%"


def _users(db: Session, *correct_scored: tuple[int, int]) -> list[int]:
    ids = []
    for i, (correct, scored) in enumerate(correct_scored):
        user = User(name=f"Fan {i}", correct_votes=correct, scored_votes=scored)
        db.add(user)
        db.flush()
        ids.append(user.id or 0)
    return ids


def test_leaderboard_ranks_share_ties_and_skip_unscored(db: Session) -> None:
    a, b, c, d, _ = _users(db, (10, 12), (10, 20), (7, 7), (0, 5), (0, 0))
    board = profiles.leaderboard(db, 10, me=c)
    assert [(r.user_id, r.rank) for r in board] == [(a, 1), (b, 1), (c, 3)]
    assert board[2].is_me and board[0].accuracy == "83.3%"
    assert profiles.profile(db, c).rank == 3  # type: ignore[union-attr]
    assert profiles.profile(db, d).rank == 4  # type: ignore[union-attr]
    assert profiles.leaderboard_rank(db, 11) == 1


def test_streaks_come_from_incremental_scoring(db: Session) -> None:
    (fan,) = _users(db, (0, 0))
    apply_scores(db, {}, {fan: VoterScore(4, 2)}, first_scoring=True)
    apply_scores(db, {}, {fan: VoterScore(3, 1)}, first_scoring=True)
    p = profiles.profile(db, fan)
    assert p is not None and (p.current_streak, p.best_streak, p.accuracy) == (2, 2, "42.9%")
    apply_scores(db, {}, {fan: VoterScore(2, 0)}, first_scoring=True)
    db.expire_all()
    p = profiles.profile(db, fan)
    assert p is not None and (p.current_streak, p.best_streak) == (0, 2)


def test_follow_is_idempotent_and_writes_activity_once(db: Session) -> None:
    (fan,) = _users(db, (0, 0))
    artist_id = db.execute(text("SELECT id FROM artists WHERE slug = 'radiohead'")).scalar_one()
    assert follows.set_follow(db, fan, artist_id, True) is True
    assert follows.set_follow(db, fan, artist_id, True) is False
    assert follows.is_following(db, fan, artist_id) and follows.follower_count(db, artist_id) == 1
    assert follows.set_follow(db, fan, artist_id, False) is True
    kinds = db.execute(text("SELECT kind FROM activity WHERE user_id = :u ORDER BY id"), {"u": fan}).scalars()
    assert list(kinds) == ["follow", "unfollow"]
    feed = activity_feed.feed(db, user_id=fan)
    assert [i.verb for i in feed] == ["started following"]  # unfollows are not shown


def test_feed_hides_anonymous_ids_and_polls_by_id(db: Session) -> None:
    db.add(Activity(kind="vote", anon_id="secret-anon", artist_id=None))
    db.flush()
    items = activity_feed.feed(db)
    assert items[0].actor == "A fan" and items[0].actor_href == ""
    newest = activity_feed.latest_id(db)
    assert activity_feed.feed(db, after_id=newest) == []
