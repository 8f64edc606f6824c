"""Job kinds: the values of `sync_jobs.kind`, one per executor.

Named here, apart from the executors, so whatever requests a job (a planner, a use case in
`services/`, an admin action) can name its kind without importing the module that performs it.
"""

from __future__ import annotations

CATALOG_SYNC = "catalog_sync"
TM_DISCOVERY = "tm_discovery"  # one Ticketmaster market
DISCOVER_ARTIST = "discover_artist"  # a fan's "find this artist" request
ARTIST_ENRICHMENT = "artist_enrichment"
PREDICTION_SEED = "prediction_seed"
SETLIST_IMPORT = "setlist_import"
PROVIDER_PROBE = "provider_probe"
TOKEN_REFRESH = "token_refresh"
NOTIFICATION_DIGEST = "notification_digest"  # one user's e-mail digest
