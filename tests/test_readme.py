"""The README's quickstart runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_runs(capsys) -> None:
    text = README.read_text()
    section = text.split("## Quickstart", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 12
    exec(compile(code, "README-quickstart", "exec"), {})
    out = capsys.readouterr().out
    assert "Cell(" in out


def test_test_command_is_marked_for_ci() -> None:
    lines = README.read_text().splitlines()
    i = lines.index("<!-- test-command -->")
    assert lines[i + 1] == "```bash" and "pytest" in lines[i + 2]
