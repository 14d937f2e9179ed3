"""The catalog benchmark: `python -m bench.run` (or `make bench`)."""
