"""Provider clients (Spotify, Ticketmaster, setlist.fm, MusicBrainz): thin httpx clients with
lenient models, a shared Redis rate limit and persisted circuit breakers (DESIGN.md §6, §7)."""
