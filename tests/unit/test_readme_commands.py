"""The README's promises that code can check: its operations commands exist, its Make targets exist,
its screenshot is there, and CI runs exactly `make test`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_operations_command_in_the_readme_is_a_flask_command(app):
    section = README.split("## Operations", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)", section, re.M))
    assert {"seed-demo", "create-user", "purge", "rotate-credentials", "db"} <= documented
    commands = set(app.cli.list_commands(None)) | {"db"}
    assert documented <= commands, documented - commands


def test_make_targets_screenshot_and_ci():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "lint", "lock", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), target
        assert f"make {target}" in README
    assert (ROOT / "docs" / "screenshot.png").stat().st_size > 10_000
    assert "](docs/screenshot.png)" in README
    ci = [
        line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert ci[-1] == "exec make test"
