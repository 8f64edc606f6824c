"""Read models for the catalog pages: one query function per page, returning plain dataclasses.

Pages only ever read the database through these; nothing here calls a provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from setlist_app.models import (
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    Venue,
    utcnow,
)
from setlist_app.services.formatting import date_badge, duration, gradient, initials, show_when


@dataclass
class ArtistCard:
    slug: str = ""
    name: str = ""
    genres: str = ""
    image_url: str = ""
    initials: str = ""
    gradient: str = ""
    upcoming_show_count: int = 0


@dataclass
class ShowCard:
    slug: str = ""
    artist_name: str = ""
    artist_slug: str = ""
    venue_name: str = ""
    city: str = ""
    when: str = ""
    month: str = ""
    day: str = ""
    status: str = ""
    image_url: str = ""
    initials: str = ""
    gradient: str = ""
    vote_count: int = 0


@dataclass
class CatalogSong:
    id: int = 0
    title: str = ""
    album: str = ""
    duration: str = ""
    play_count: int = 0


@dataclass
class ArtistPage:
    artist: ArtistCard = field(default_factory=ArtistCard)
    upcoming: list[ShowCard] = field(default_factory=list)
    past: list[ShowCard] = field(default_factory=list)
    songs: list[CatalogSong] = field(default_factory=list)
    catalog_status: str = ""


@dataclass
class PredictionRow:
    prediction_song_id: int = 0
    song_id: int = 0
    rank: int = 0
    title: str = ""
    album: str = ""
    vote_count: int = 0
    source: str = ""


@dataclass
class ShowPage:
    show: ShowCard = field(default_factory=ShowCard)
    show_id: int = 0
    ticket_url: str = ""
    country: str = ""
    venue_slug: str = ""
    prediction_status: str = ""
    prediction: list[PredictionRow] = field(default_factory=list)


def _artist_card(a: Artist) -> ArtistCard:
    return ArtistCard(
        slug=a.slug,
        name=a.name,
        genres=", ".join(a.genres[:3]),
        image_url=a.image_url or "",
        initials=initials(a.name),
        gradient=gradient(a.name),
        upcoming_show_count=a.upcoming_show_count,
    )


def _show_card(show: Show, artist: Artist, venue: Venue) -> ShowCard:
    month, day = date_badge(show.starts_at, venue.timezone)
    return ShowCard(
        slug=show.slug,
        artist_name=artist.name,
        artist_slug=artist.slug,
        venue_name=venue.name,
        city=venue.city,
        when=show_when(show.starts_at, venue.timezone),
        month=month,
        day=day,
        status=show.status,
        image_url=artist.image_url or "",
        initials=initials(artist.name),
        gradient=gradient(artist.name),
        vote_count=show.vote_count,
    )


def _shows_query():  # type: ignore[no-untyped-def]
    return (
        select(Show, Artist, Venue)
        .join(Artist, Artist.id == Show.artist_id)
        .join(Venue, Venue.id == Show.venue_id)
    )


def upcoming_shows(session: Session, limit: int = 12) -> list[ShowCard]:
    """The next upcoming shows, soonest first."""
    rows = session.exec(
        _shows_query()
        .where(Show.status == ShowStatus.UPCOMING, Show.starts_at >= utcnow())
        .order_by(Show.starts_at)
        .limit(limit)
    ).all()
    return [_show_card(*row) for row in rows]


def artists_on_tour(session: Session, limit: int = 12) -> list[ArtistCard]:
    """Artists with upcoming shows, most popular first."""
    rows = session.exec(
        select(Artist)
        .where(Artist.upcoming_show_count > 0)
        .order_by(col(Artist.popularity).desc(), Artist.name)
        .limit(limit)
    ).all()
    return [_artist_card(a) for a in rows]


def artist_page(session: Session, slug: str) -> ArtistPage | None:
    artist = session.exec(select(Artist).where(Artist.slug == slug)).first()
    if artist is None:
        return None
    shows = session.exec(_shows_query().where(Show.artist_id == artist.id).order_by(Show.starts_at)).all()
    upcoming = [_show_card(*r) for r in shows if r[0].status != ShowStatus.COMPLETED]
    past = [_show_card(*r) for r in reversed(shows) if r[0].status == ShowStatus.COMPLETED]
    songs = session.exec(
        select(Song, ArtistSong.play_count)
        .join(ArtistSong, ArtistSong.song_id == Song.id)
        .where(ArtistSong.artist_id == artist.id)
        .order_by(ArtistSong.position)
    ).all()
    return ArtistPage(
        artist=_artist_card(artist),
        upcoming=upcoming,
        past=past,
        songs=[
            CatalogSong(
                id=s.id or 0,
                title=s.title,
                album=s.album or "",
                duration=duration(s.duration_ms),
                play_count=pc,
            )
            for s, pc in songs
        ],
        catalog_status=artist.catalog_status,
    )


def show_page(session: Session, slug: str) -> ShowPage | None:
    row = session.exec(_shows_query().where(Show.slug == slug)).first()
    if row is None:
        return None
    show, artist, venue = row
    prediction = session.exec(select(Prediction).where(Prediction.show_id == show.id)).first()
    return ShowPage(
        show=_show_card(show, artist, venue),
        show_id=show.id or 0,
        ticket_url=show.ticket_url or "",
        country=venue.country,
        venue_slug=venue.slug,
        prediction_status=prediction.status if prediction else "waiting_catalog",
        prediction=prediction_rows(session, show.id or 0),
    )


def prediction_rows(session: Session, show_id: int) -> list[PredictionRow]:
    """The show's community prediction ordered by votes (ties by seed position)."""
    rows = session.exec(
        select(PredictionSong, Song)
        .join(Song, Song.id == PredictionSong.song_id)
        .join(Prediction, Prediction.id == PredictionSong.prediction_id)
        .where(Prediction.show_id == show_id, PredictionSong.hidden == False)  # noqa: E712
        .order_by(col(PredictionSong.vote_count).desc(), PredictionSong.position, PredictionSong.id)
    ).all()
    return [
        PredictionRow(
            prediction_song_id=ps.id or 0,
            song_id=song.id or 0,
            rank=rank,
            title=song.title,
            album=song.album or "",
            vote_count=ps.vote_count,
            source=ps.source,
        )
        for rank, (ps, song) in enumerate(rows, start=1)
    ]


def counts(session: Session) -> dict[str, int]:
    """Headline counts for the home page hero."""
    return {
        "artists": session.exec(select(func.count()).select_from(Artist)).one(),
        "upcoming": session.exec(
            select(func.count()).select_from(Show).where(Show.status == ShowStatus.UPCOMING)
        ).one(),
    }


def all_artists(session: Session) -> list[ArtistCard]:
    """Every artist, alphabetically (the Artists page)."""
    return [_artist_card(a) for a in session.exec(select(Artist).order_by(Artist.normalized_name)).all()]
