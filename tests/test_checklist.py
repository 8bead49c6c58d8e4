"""Every line of docs/security-checklist.md has at least one test marked with its number."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST = ROOT / "docs" / "security-checklist.md"


def checklist_lines() -> set[int]:
    """The numbered lines of the checklist."""
    return {int(n) for n in re.findall(r"^(\d+)\. ", CHECKLIST.read_text(), flags=re.M)}


def marked_lines() -> dict[int, list[str]]:
    """Checklist numbers named by ``pytest.mark.checklist(N)`` anywhere in the tests."""
    found: dict[int, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "checklist"
                and ast.unparse(node.func.value) == "pytest.mark"
            ):
                for arg in node.args:
                    found.setdefault(ast.literal_eval(arg), []).append(path.name)
    return found


def test_the_checklist_has_its_38_lines() -> None:
    """The parser finds the checklist's numbered lines (so the next test checks something)."""
    assert set(range(1, 39)) == checklist_lines()


def test_every_checklist_line_has_a_marked_test() -> None:
    """No checklist line is left without a test marked @pytest.mark.checklist(N)."""
    assert [] == sorted(checklist_lines() - set(marked_lines()))


def test_markers_name_only_existing_lines() -> None:
    """A marker names a line that exists (a typo would count as coverage otherwise)."""
    assert [] == sorted(set(marked_lines()) - checklist_lines())
