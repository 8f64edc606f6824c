"""Scoring rules: the fans' prediction and the seeded baseline are scored apart, in the same words."""

from __future__ import annotations

from setlist_app.domain import scoring
from setlist_app.domain.scoring import PredictedSong, Score


def test_seeded_songs_without_votes_are_not_the_fans_prediction() -> None:
    prediction = {1: PredictedSong(0, True), 2: PredictedSong(0, True), 3: PredictedSong(0, True)}
    fans, seeded = scoring.score([1, 2, None, 4], prediction)
    assert fans == Score(picks=0, hits=0, played=4) and fans.accuracy is None
    assert seeded == Score(picks=3, hits=2, played=4) and seeded.accuracy == 50.0


def test_a_voted_seed_counts_for_both_and_a_fan_add_only_for_the_fans() -> None:
    prediction = {1: PredictedSong(2, True), 2: PredictedSong(0, True), 5: PredictedSong(1, False)}
    fans, seeded = scoring.score([1, 5, 7], prediction)
    assert (fans, seeded) == (Score(2, 2, 3), Score(2, 1, 3))
    assert (fans.accuracy, seeded.accuracy) == (66.7, 33.3)


def test_a_song_played_twice_counts_twice_and_nothing_played_scores_nothing() -> None:
    prediction = {1: PredictedSong(1, False)}
    assert scoring.score([1, 1], prediction)[0] == Score(1, 2, 2)
    assert scoring.score([], prediction)[0].accuracy is None


def test_words_say_whose_prediction_it_was() -> None:
    nobody, fans = Score(0, 0, 17), Score(5, 3, 17)
    assert scoring.fans_line(nobody).startswith("No fan predictions for this show")
    assert scoring.fans_line(fans) == "Fans called 3 of the 17 songs played (they voted for 5 songs)."
    assert scoring.fans_line(Score(1, 0, 0)) == scoring.NOTHING_PLAYED
    assert scoring.baseline_line(Score(10, 8, 17)) == (
        "8 of the 17 songs played were among the 10 from recent setlists."
    )
    assert scoring.baseline_line(Score(0, 0, 17)) == "Nothing was seeded for this show."


def test_cards_and_profiles_use_the_same_words() -> None:
    assert scoring.card_label(0, None) == "No fan predictions for this show"
    assert scoring.card_label(4, 35.3) == "Fans called 35.3%"
    assert scoring.card_label(4, None) == ""  # picks but nothing listed: no badge
    assert scoring.fan_record(3, 7) == "Called 3 of 7 songs voted for"
    assert scoring.fan_record(1, 1) == "Called 1 of 1 song voted for"
    assert scoring.fan_record(0, 0) == "Scored after your first show"
    assert (scoring.format_pct(None), scoring.format_pct(65.0), scoring.format_pct(62.5)) == (
        "—",
        "65%",
        "62.5%",
    )
