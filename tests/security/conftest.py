"""The loopback servers of the SSRF tests, and a report of the slowest request of each kind the
ReDoS tests timed, after the run."""

from __future__ import annotations

from .loopback_servers import endpoint  # noqa: F401  (the loopback servers of test_ssrf.py)


def pytest_terminal_summary(terminalreporter):
    from .test_regex_redos import TIMINGS

    if TIMINGS:
        terminalreporter.section("slowest request per kind (tests/security/test_regex_redos.py)")
        for label, (cpu, wall) in sorted(TIMINGS.items()):
            terminalreporter.write_line(f"{label}: {cpu * 1000:.1f} ms CPU, {wall * 1000:.1f} ms wall")
