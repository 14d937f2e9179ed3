"""Security regressions: each test shows one attack answered quickly and correctly."""
