"""Accounts: anonymous votes and adds move on sign-in without double counting; hostile profiles."""

from __future__ import annotations

from sqlmodel import Session, select

from setlist_app.auth.accounts import OidcProfile, merge_anonymous, sign_in
from setlist_app.auth.viewer import Viewer
from setlist_app.models.catalog import Show, ShowStatus
from setlist_app.models.users import User
from setlist_app.models.voting import Prediction, PredictionSong, Vote
from setlist_app.services import activity_feed, voting
from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.settings import get_settings
from tests.fixtures.voting import make_show


def test_anonymous_votes_move_to_the_account_without_double_counting(session: Session) -> None:
    seed_demo_catalog(session)
    session.commit()
    prediction = session.exec(
        select(Prediction).join(Show, Show.id == Prediction.show_id).where(Show.status == ShowStatus.UPCOMING)
    ).first()
    show = session.get(Show, prediction.show_id)
    ps = session.exec(select(PredictionSong).where(PredictionSong.prediction_id == prediction.id)).all()[:3]
    user = User(name="Sam", email="sam@setlist.test")
    session.add(user)
    session.commit()
    anon, member = Viewer(anon_id="anon-1"), Viewer(user_id=user.id, role="user")
    voting.set_vote(session, member, ps[0].id, True)  # the user already voted song 0
    voting.set_vote(session, anon, ps[0].id, True)  # ...and voted it again anonymously
    voting.set_vote(session, anon, ps[1].id, True)
    session.commit()
    session.expire_all()
    before = {p.id: session.get(PredictionSong, p.id).vote_count for p in ps}
    show_before = session.get(Show, show.id).vote_count

    result = merge_anonymous(session, "anon-1", user.id)
    session.commit()
    session.expire_all()

    assert (result.moved_votes, result.dropped_duplicates) == (1, 1)
    after = {p.id: session.get(PredictionSong, p.id).vote_count for p in ps}
    assert after == {ps[0].id: before[ps[0].id] - 1, ps[1].id: before[ps[1].id], ps[2].id: before[ps[2].id]}
    assert session.get(Show, show.id).vote_count == show_before - 1
    votes = session.exec(select(Vote).where(Vote.show_id == show.id)).all()
    assert sorted((v.prediction_song_id, v.voter) for v in votes) == sorted(
        [(ps[0].id, f"u:{user.id}"), (ps[1].id, f"u:{user.id}")]
    )
    # Counters equal the rows: nothing double counted.
    for p in ps:
        assert after[p.id] == len([v for v in votes if v.prediction_song_id == p.id])
    assert session.get(User, user.id).votes_cast == 2  # their own vote and the one moved over
    assert merge_anonymous(session, "anon-1", user.id).moved_votes == 0  # idempotent


def test_merged_anonymous_votes_stay_anonymous_in_the_feed(session: Session) -> None:
    """Signing in must not publish what the visitor did anonymously under their name after the fact."""
    f = make_show(session, seeded=2)
    user = User(name="Sam Private", email="sam@setlist.test")
    session.add(user)
    session.commit()
    voting.set_vote(session, Viewer(anon_id="anon-1"), f.prediction_song_ids[0], True)
    session.commit()

    merge_anonymous(session, "anon-1", user.id)
    member = Viewer(user_id=user.id, anon_id="anon-1", role="user")
    voting.set_vote(session, member, f.prediction_song_ids[1], True)  # signed in: under their name
    session.commit()

    assert [item.actor for item in activity_feed.feed(session)] == ["Sam Private", "A fan"]
    assert len(activity_feed.feed(session, user_id=user.id)) == 1
    # Taking the merged vote back also takes back its anonymous entry (one entry per voter and song).
    voting.set_vote(session, member, f.prediction_song_ids[0], False)
    session.commit()
    assert [item.actor for item in activity_feed.feed(session)] == ["Sam Private"]


HOSTILE = [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE users;--",
    "\u202eevil\u202c \u0000 zero\u200bwidth 🎸 Ünïcödé 名前",
    "x" * 5000,
]


def test_hostile_profiles_are_stored_bounded_and_unexecuted(session: Session) -> None:
    for i, name in enumerate(HOSTILE):
        profile = OidcProfile(
            issuer="https://issuer.test",
            subject=f"s{i}",
            email=f"h{i}@example.test",
            email_verified=True,
            name=name,
            picture="javascript:alert(1)" if i % 2 else "https://img.example/a.png\n<x>",
        )
        user = sign_in(session, profile, None, get_settings())
        session.commit()
        stored = session.get(User, user.id)
        assert len(stored.name) <= 200 and "\u0000" not in stored.name and "\u202e" not in stored.name
        assert stored.avatar_url is None  # neither a javascript: URL nor one with control characters
    names = {u.name for u in session.exec(select(User)).all()}
    assert "<script>alert('x')</script>" in names  # stored as text; React escapes it on render
    assert "Robert'); DROP TABLE users;--" in names
