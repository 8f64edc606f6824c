"""Table tests: studio-song detection, catalog de-duplication, event filters, title matching."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from setlist_app.domain.catalog_filters import (
    is_deluxe_album,
    is_live_album,
    is_studio_title,
    select_studio_tracks,
    studio_catalog,
)
from setlist_app.domain.event_filters import classify_event, residency_event_ids
from setlist_app.domain.titles import TitleMatcher, match_title, normalize_title
from setlist_app.providers.models import SpotifyAlbum, SpotifyTrack, TmAttraction, TmEvent, TmVenue


@pytest.mark.parametrize(
    ("title", "studio"),
    [
        ("Live Forever", True),
        ("Yellow", True),
        ("Yellow - Remastered 2011", True),
        ("Yellow (2009 Remaster)", True),
        ("Song - Original Mix", True),
        ("Demons", True),
        ("Editorial", True),
        ("Yellow - Live at Glastonbury", False),
        ("Yellow (Live)", False),
        ("Yellow - Live", False),
        ("Yellow [Live From Wembley]", False),
        ("Yellow - Acoustic", False),
        ("Yellow (Acoustic Version)", False),
        ("Yellow - Radio Edit", False),
        ("Yellow (Tiesto Remix)", False),
        ("Yellow - Demo", False),
        ("Yellow (Instrumental)", False),
        ("Yellow - Karaoke Version", False),
        ("Yellow (Commentary)", False),
        ("Yellow (Reprise)", False),
        ("Intro", False),
        ("Outro", False),
        ("Interlude", False),
        ("Interlude 2", False),
        ("Skit", False),
        ("Intro (The Dawn)", False),
        ("Introduction to Love", True),
    ],
)
def test_studio_titles(title: str, studio: bool) -> None:
    assert is_studio_title(title) is studio


@pytest.mark.parametrize(
    ("name", "live", "deluxe"),
    [
        ("Live at Leeds", True, False),
        ("MTV Unplugged in New York", True, False),
        ("Parachutes (Live)", True, False),
        ("Live Through This", False, False),
        ("Alive", False, False),
        ("A Rush of Blood to the Head (Deluxe Edition)", False, True),
        ("25th Anniversary Edition", False, True),
        ("Parachutes", False, False),
    ],
)
def test_album_kinds(name: str, live: bool, deluxe: bool) -> None:
    assert is_live_album(name) is live
    assert is_deluxe_album(name) is deluxe


def _album(aid: str, name: str, kind: str = "album", released: str = "2000-01-01") -> SpotifyAlbum:
    return SpotifyAlbum(id=aid, name=name, album_type=kind, release_date=released)


def _track(tid: str, name: str, album: str, number: int = 1) -> SpotifyTrack:
    return SpotifyTrack(id=tid, name=name, album_id=album, track_number=number)


def test_dedupe_prefers_album_then_non_deluxe_then_earliest() -> None:
    single = _album("s", "Yellow", "single", "1999-06-01")
    album = _album("a", "Parachutes", "album", "2000-07-10")
    deluxe = _album("d", "Parachutes (Deluxe)", "album", "2000-07-10")
    remaster = _album("r", "Parachutes (2020 Remaster)", "album", "2020-01-01")
    live = _album("l", "Live 2003", "album", "2003-01-01")
    later = _album("b", "Best Of", "compilation", "2010-01-01")
    items = [
        (single, _track("t1", "Yellow", "s")),
        (deluxe, _track("t2", "Yellow", "d")),
        (remaster, _track("t3", "Yellow - Remastered 2020", "r")),
        (album, _track("t4", "Yellow", "a", 5)),
        (live, _track("t5", "Yellow - Live", "l")),
        (later, _track("t6", "Yellow", "b")),
        (deluxe, _track("t7", "Bonus Song", "d", 12)),
        (single, _track("t8", "Yellow - Radio Edit", "s", 2)),
        (album, _track("t9", "Trouble", "a", 6)),
        (album, _track("t10", "Intro", "a", 1)),
    ]
    chosen = {track.name: track.id for _, track in studio_catalog(items)}
    assert chosen == {"Yellow": "t4", "Trouble": "t9", "Bonus Song": "t7"}


def test_dedupe_earliest_album_wins() -> None:
    first = _album("a1", "One", "album", "1990-01-01")
    second = _album("a2", "Two", "album", "1995-01-01")
    result = studio_catalog([(second, _track("x2", "Same", "a2")), (first, _track("x1", "Same", "a1"))])
    assert [t.id for _, t in result] == ["x1"]


def test_select_studio_tracks_from_raw_albums() -> None:
    albums = [
        {
            "name": "Live at Leeds",
            "spotify_id": "L",
            "album_type": "album",
            "release_date": "1970",
            "tracks": [{"name": "Young Man Blues", "spotify_id": "t0"}],
        },
        {
            "name": "Tommy",
            "spotify_id": "T",
            "album_type": "album",
            "release_date": "1969-05-23",
            "tracks": [
                {"name": "Pinball Wizard", "spotify_id": "t1", "duration_ms": 1, "isrc": "GB1"},
                {"name": "Pinball Wizard - Live", "spotify_id": "t2"},
            ],
        },
        {
            "name": "Pinball Wizard",
            "spotify_id": "S",
            "album_type": "single",
            "release_date": "1969-03-07",
            "tracks": [{"name": "Pinball Wizard", "spotify_id": "t3"}],
        },
    ]
    tracks = select_studio_tracks(albums)
    assert [(t["spotify_id"], t["album"], t["album_type"], t["isrc"]) for t in tracks] == [
        ("t1", "Tommy", "album", "GB1")
    ]


def _event(name: str, **kw: object) -> TmEvent:
    base: dict[str, object] = {
        "id": name,
        "name": name,
        "segment": "Music",
        "local_date": date(2026, 6, 1),
        "venue": TmVenue(id="v1", name="Arena"),
        "attractions": [TmAttraction(id="a1", name="The Band")],
    }
    base.update(kw)
    return TmEvent(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "keep", "reason"),
    [
        (_event("The Band: World Tour"), True, None),
        (_event("Coldplay - Music of the Spheres"), True, None),
        (_event("Glastonbury 2026"), False, "festival"),
        (_event("Summer Sound Festival"), False, "festival"),
        (_event("Riot Fest"), False, "festival"),
        (
            _event("Big Show", attractions=[TmAttraction(id=str(i), name=f"A{i}") for i in range(6)]),
            False,
            "festival",
        ),
        (_event("Weekend Pass - Big Party"), False, "festival"),
        (_event("A Tribute to Queen"), False, "tribute"),
        (_event("The Music of Pink Floyd"), False, "tribute"),
        (_event("Candlelight: Best of Coldplay"), False, "tribute"),
        (
            _event(
                "Killer Queen",
                attractions=[TmAttraction(id="k", name="Killer Queen", subgenre="Tribute Band")],
            ),
            False,
            "tribute",
        ),
        (_event("PARKING: The Band"), False, "non_music"),
        (_event("The Band - VIP Upgrade Package"), False, "non_music"),
        (_event("Hamilton", segment="Arts & Theatre"), False, "non_music"),
        (_event("Gift Card"), False, "non_music"),
        (_event("No Venue", venue=None), False, "no_venue"),
    ],
)
def test_event_filters(event: TmEvent, keep: bool, reason: str | None) -> None:
    verdict = classify_event(event)
    assert verdict.keep is keep
    if reason:
        assert reason in verdict.reasons


def test_residency_detection() -> None:
    days = [date(2026, 6, 1) + timedelta(days=d) for d in (0, 2, 4, 6, 200)]
    vegas = [_event(f"r{i}", local_date=d) for i, d in enumerate(days)]
    other = [_event("elsewhere", venue=TmVenue(id="v2", name="Other"))]
    named = [_event("Adele: Weekends with Adele Residency", venue=TmVenue(id="v9", name="Colosseum"))]
    assert residency_event_ids(vegas + other + named) == {"r0", "r1", "r2", "r3", named[0].id}
    assert classify_event(named[0]).residency and classify_event(named[0]).keep


CATALOG = {
    normalize_title(t): i
    for i, t in enumerate(
        [
            "Mr. Brightside",
            "Rock and Roll",
            "The Scientist",
            "Paradise City",
            "Don't Stop Me Now",
            "Everlong",
            "Smells Like Teen Spirit",
            "Stay (feat. Justin Bieber)",
            "Yellow",
            "One",
        ]
    )
}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Mr. Brightside", 0),
        ("mr brightside", 0),
        ("MR. BRIGHTSIDE!", 0),
        ("Rock & Roll", 1),
        ("Rock & Roll (Live)", 1),
        ("Scientist", 2),
        ("The Scientist - Remastered 2011", 2),
        ("Paradise City - Live at Wembley", 3),
        ("Dont Stop Me Now", 4),
        ("Don\u2019t Stop Me Now", 4),
        ("Everlong (Acoustic)", 5),
        ("Smells Like Teen Spirt", 6),
        ("Stay", 7),
        ("Yellow - 2009 Remaster", 8),
        ("One", 9),
        ("Creep", None),
        ("On", None),
        ("", None),
    ],
)
def test_match_title(title: str, expected: int | None) -> None:
    assert match_title(title, CATALOG) == expected


def test_matcher_reusable() -> None:
    matcher = TitleMatcher(CATALOG)
    assert [matcher.match(t) for t in ("Yellow (Live)", "Everlong")] == [8, 5]
