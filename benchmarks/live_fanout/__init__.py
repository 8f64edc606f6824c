"""Live fan-out benchmark (not part of the test suite): `python -m benchmarks.live_fanout --help`."""
