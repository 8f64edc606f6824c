"""Read models for the catalog pages: one query function per page, returning plain dataclasses.

Pages only ever read the database through these; nothing here calls a provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from setlist_app.domain.scoring import card_label
from setlist_app.models import (
    ActualSetlist,
    Artist,
    ArtistSong,
    Follow,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    UserSpotifyArtist,
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
class ShowOption:
    """An upcoming show to add songs to from the artist page."""

    show_id: int = 0
    label: str = ""


@dataclass
class ArtistPage:
    artist: ArtistCard = field(default_factory=ArtistCard)
    artist_id: int = 0
    followers: int = 0
    upcoming: list[ShowCard] = field(default_factory=list)
    past: list[ShowCard] = field(default_factory=list)
    songs: list[CatalogSong] = field(default_factory=list)
    most_played: list[CatalogSong] = field(default_factory=list)
    show_options: list[ShowOption] = field(default_factory=list)
    catalog_status: str = ""


@dataclass
class RecentShow:
    """A completed show on the home page with how well the fans predicted it."""

    show: ShowCard = field(default_factory=ShowCard)
    accuracy: str = ""  # domain.scoring.card_label: the fans' score, "no fan predictions", or "" (not in yet)
    fans_predicted: bool = False  # fans voted before the show (the badge is their score, not a note)


@dataclass
class HomePage:
    trending_artists: list[ArtistCard] = field(default_factory=list)
    trending_shows: list[ShowCard] = field(default_factory=list)
    trending_live: bool = False  # False: the trending job has not ranked anything yet (fallback order)
    my_shows: list[ShowCard] = field(default_factory=list)
    recent: list[RecentShow] = field(default_factory=list)


@dataclass
class VenuePage:
    name: str = ""
    city: str = ""
    country: str = ""
    capacity: str = ""
    initials: str = ""
    gradient: str = ""
    upcoming: list[ShowCard] = field(default_factory=list)
    past: list[ShowCard] = field(default_factory=list)


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


def upcoming_shows(session: Session, limit: int = 12, city: str = "") -> list[ShowCard]:
    """The next upcoming shows, soonest first (only in `city` when given)."""
    query = _shows_query().where(Show.status == ShowStatus.UPCOMING, Show.starts_at >= utcnow())
    if city:
        query = query.where(Venue.city == city)
    rows = session.exec(query.order_by(Show.starts_at).limit(limit)).all()
    return [_show_card(*row) for row in rows]


def show_cities(session: Session) -> list[str]:
    """Cities with upcoming shows, alphabetically (the /shows city filter)."""
    rows = session.exec(
        select(Venue.city)
        .join(Show, col(Show.venue_id) == Venue.id)
        .where(Show.status == ShowStatus.UPCOMING, Show.starts_at >= utcnow())
        .distinct()
        .order_by(Venue.city)
    ).all()
    return list(rows)


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
    now = utcnow()
    options = [
        ShowOption(show.id or 0, f"{card.month} {card.day} · {venue.name}, {venue.city}")
        for (show, _, venue), card in ((r, _show_card(*r)) for r in shows)
        if show.status == ShowStatus.UPCOMING and show.starts_at > now
    ]
    songs = session.exec(
        select(Song, ArtistSong.play_count)
        .join(ArtistSong, ArtistSong.song_id == Song.id)
        .where(ArtistSong.artist_id == artist.id)
        .order_by(ArtistSong.position)
    ).all()
    catalog = [
        CatalogSong(
            id=s.id or 0, title=s.title, album=s.album or "", duration=duration(s.duration_ms), play_count=pc
        )
        for s, pc in songs
    ]
    followers = session.exec(
        select(func.count()).select_from(Follow).where(Follow.artist_id == artist.id)
    ).one()
    return ArtistPage(
        artist=_artist_card(artist),
        artist_id=artist.id or 0,
        followers=int(followers),
        upcoming=upcoming,
        past=past,
        songs=catalog,
        most_played=sorted((c for c in catalog if c.play_count > 0), key=lambda c: -c.play_count)[:10],
        show_options=options,
        catalog_status=artist.catalog_status,
    )


def home_page(session: Session, user_id: int | None, limit: int = 8) -> HomePage:
    """Trending artists and shows, the viewer's artists on tour, and recently scored shows.

    Trending reads `trending_rank` (set by the trending job); until that job has ranked anything,
    artists fall back to most upcoming shows and shows to most votes, and `trending_live` is False.
    """
    now = utcnow()
    ranked_artists = session.exec(
        select(Artist)
        .where(col(Artist.trending_rank).is_not(None))
        .order_by(Artist.trending_rank)
        .limit(limit)
    ).all()
    upcoming = (Show.status == ShowStatus.UPCOMING, Show.starts_at >= now)
    ranked_shows = session.exec(
        _shows_query()
        .where(*upcoming, col(Show.trending_rank).is_not(None))
        .order_by(Show.trending_rank)
        .limit(limit)
    ).all()
    live = bool(ranked_artists or ranked_shows)
    if not ranked_artists:
        ranked_artists = session.exec(
            select(Artist)
            .where(Artist.upcoming_show_count > 0)
            .order_by(col(Artist.upcoming_show_count).desc(), col(Artist.popularity).desc(), Artist.name)
            .limit(limit)
        ).all()
    if not ranked_shows:
        ranked_shows = session.exec(
            _shows_query().where(*upcoming).order_by(col(Show.vote_count).desc(), Show.starts_at).limit(limit)
        ).all()
    return HomePage(
        trending_artists=[_artist_card(a) for a in ranked_artists],
        trending_shows=[_show_card(*r) for r in ranked_shows],
        trending_live=live,
        my_shows=my_artists_shows(session, user_id, limit) if user_id is not None else [],
        recent=recently_completed(session, 6),
    )


def my_artists_shows(session: Session, user_id: int, limit: int = 8) -> list[ShowCard]:
    """Upcoming shows of artists the user follows or imported from Spotify, soonest first."""
    mine = union(
        select(Follow.artist_id).where(Follow.user_id == user_id),
        select(UserSpotifyArtist.artist_id).where(UserSpotifyArtist.user_id == user_id),
    ).subquery()
    rows = session.exec(
        _shows_query()
        .where(
            col(Show.artist_id).in_(select(mine.c.artist_id)),
            Show.status == ShowStatus.UPCOMING,
            Show.starts_at >= utcnow(),
        )
        .order_by(Show.starts_at)
        .limit(limit)
    ).all()
    return [_show_card(*r) for r in rows]


def recently_completed(session: Session, limit: int = 6) -> list[RecentShow]:
    """The latest completed shows with the fans' score once the setlist is in (domain.scoring)."""
    rows = session.exec(
        select(Show, Artist, Venue, ActualSetlist.fan_picks, ActualSetlist.accuracy)
        .join(Artist, col(Artist.id) == Show.artist_id)
        .join(Venue, col(Venue.id) == Show.venue_id)
        .join(ActualSetlist, col(ActualSetlist.show_id) == Show.id, isouter=True)
        .where(Show.status == ShowStatus.COMPLETED)
        .order_by(col(Show.starts_at).desc())
        .limit(limit)
    ).all()
    return [
        RecentShow(
            _show_card(show, artist, venue), "" if picks is None else card_label(picks, acc), bool(picks)
        )
        for show, artist, venue, picks, acc in rows
    ]


def venue_page(session: Session, slug: str) -> VenuePage | None:
    """A venue with its upcoming shows (soonest first) and past shows (latest first)."""
    venue = session.exec(select(Venue).where(Venue.slug == slug)).first()
    if venue is None:
        return None
    rows = session.exec(
        _shows_query().where(Show.venue_id == venue.id).order_by(Show.starts_at).limit(500)
    ).all()
    return VenuePage(
        name=venue.name,
        city=venue.city,
        country=venue.country,
        capacity=f"{venue.capacity:,} capacity" if venue.capacity else "",
        initials=initials(venue.name),
        gradient=gradient(venue.name),
        upcoming=[_show_card(*r) for r in rows if r[0].status != ShowStatus.COMPLETED],
        past=[_show_card(*r) for r in reversed(rows) if r[0].status == ShowStatus.COMPLETED],
    )


def show_page(session: Session, slug: str) -> ShowPage | None:
    row = session.exec(_shows_query().where(Show.slug == slug)).first()
    if row is None:
        return None
    show, artist, venue = row
    status = session.exec(select(Prediction.status).where(Prediction.show_id == show.id)).first()
    return ShowPage(
        show=_show_card(show, artist, venue),
        show_id=show.id or 0,
        ticket_url=show.ticket_url or "",
        country=venue.country,
        venue_slug=venue.slug,
        prediction_status=status or "waiting_catalog",
        prediction=prediction_rows(session, show.id or 0),
    )


def prediction_rows(session: Session, show_id: int) -> list[PredictionRow]:
    """The show's community prediction ordered by votes (ties by seed position)."""
    # Columns, not entities: building 2 ORM objects per row was most of a show page load's query time.
    rows = session.exec(
        select(
            PredictionSong.id,
            PredictionSong.song_id,
            Song.title,
            Song.album,
            PredictionSong.vote_count,
            PredictionSong.source,
        )
        .join(Song, Song.id == PredictionSong.song_id)
        .join(Prediction, Prediction.id == PredictionSong.prediction_id)
        .where(Prediction.show_id == show_id, PredictionSong.hidden == False)  # noqa: E712
        .order_by(col(PredictionSong.vote_count).desc(), PredictionSong.position, PredictionSong.id)
    ).all()
    return [
        PredictionRow(
            prediction_song_id=psid or 0,
            song_id=song_id,
            rank=rank,
            title=title,
            album=album or "",
            vote_count=vote_count,
            source=source,
        )
        for rank, (psid, song_id, title, album, vote_count, source) in enumerate(rows, start=1)
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
