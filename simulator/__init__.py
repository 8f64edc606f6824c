"""Local fake Spotify / Ticketmaster / setlist.fm / MusicBrainz servers over the bundled demo catalog."""
