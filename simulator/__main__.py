"""`python -m simulator --port 8765`: serve the fake provider APIs."""

from __future__ import annotations

import argparse

import uvicorn

from simulator.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Local fake Spotify/Ticketmaster/setlist.fm/MusicBrainz APIs"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
