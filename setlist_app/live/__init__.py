"""Live vote fan-out (DESIGN.md §5): `publisher` (framework-free) and the per-worker `pusher`."""
