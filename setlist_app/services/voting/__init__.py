"""Voting (DESIGN.md §4): votes, adds and the anonymous allowance, each in the caller's transaction.

- `setlist_app.domain.voting_rules`: the rules without the database (refusals and their messages,
  when a show takes votes, the anonymous allowance);
- `statements`: the SQL, built once, and how it runs (psycopg pipelines on Postgres);
- `batch`: `set_votes`, many votes in one transaction (the vote lane's group commit), and `set_vote`;
- `adds`: `add_song`, with the adder's upvote;
- `queries`: what the show page reads (the viewer's votes, allowance, closed reason, song picker).

Callers use this package's names: `from setlist_app.services import voting; voting.set_vote(...)`.
"""

from setlist_app.domain.voting_rules import MESSAGES, Allowance, VoteRejected, check_open, rejection
from setlist_app.services.voting.adds import AddResult, add_song
from setlist_app.services.voting.batch import VoteOutcome, VoteRequest, VoteResult, set_vote, set_votes
from setlist_app.services.voting.queries import PickerSong, allowance, closed_reason, my_votes, picker_catalog

__all__ = [
    "MESSAGES",
    "AddResult",
    "Allowance",
    "PickerSong",
    "VoteOutcome",
    "VoteRejected",
    "VoteRequest",
    "VoteResult",
    "add_song",
    "allowance",
    "check_open",
    "closed_reason",
    "my_votes",
    "picker_catalog",
    "rejection",
    "set_vote",
    "set_votes",
]
