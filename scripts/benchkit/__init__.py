"""``make bench`` split by concern; ``scripts/bench.py`` is its entry point (see there)."""
