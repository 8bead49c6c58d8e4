"""scripts/type_completeness.py: the score it reads, what it lists, when it fails.

The check itself (pyright on the package) runs in ``nox -s typecheck`` and CI; these
tests give the script pyright's report as JSON would and check its verdict.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def script() -> ModuleType:
    """The script, loaded as a module."""
    spec = importlib.util.spec_from_file_location(
        "type_completeness", ROOT / "scripts" / "type_completeness.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def symbol(name: str, *, known: bool, ambiguous: bool, exported: bool = True) -> dict[str, Any]:
    """One entry of pyright's ``typeCompleteness.symbols``."""
    message = "Type is missing type annotation and could be inferred differently\n\xa0\xa0more"
    return {
        "name": name,
        "isExported": exported,
        "isTypeKnown": known,
        "isTypeAmbiguous": ambiguous,
        "diagnostics": [] if known else [{"message": message}],
    }


def report(score: float) -> dict[str, Any]:
    """A pyright --verifytypes report with one known, one ambiguous, one unknown symbol."""
    return {
        "typeCompleteness": {
            "completenessScore": score,
            "exportedSymbolCounts": {
                "withKnownType": 1,
                "withAmbiguousType": 1,
                "withUnknownType": 1,
            },
            "symbols": [
                symbol("pkg.Known", known=True, ambiguous=False),
                symbol("pkg.Vague.attr", known=False, ambiguous=True),
                symbol("pkg.Unknown", known=False, ambiguous=False),
                symbol("pkg._private.Helper", known=False, ambiguous=True, exported=False),
            ],
        }
    }


LISTED = [
    "exported symbols: 3 (1 known, 1 ambiguous, 1 unknown)",
    "  ambiguous: pkg.Vague.attr: Type is missing type annotation and could be inferred "
    "differently",
    "  unknown: pkg.Unknown: Type is missing type annotation and could be inferred differently",
]


def test_summary_lists_each_exported_symbol_not_known(script: ModuleType) -> None:
    """Known and non-exported symbols are left out; the score is in percent."""
    assert (98.5, LISTED) == script.summarize(report(0.985))


@pytest.mark.parametrize(
    ("score", "argv", "status"),
    [
        (1.0, [], 0),
        (0.9999, [], 1),
        (0.843, [], 1),
        (0.98, ["--min", "98"], 0),
        (0.9804, ["--min", "99"], 1),
        (0.995, ["--min", "99.5"], 0),
    ],
    ids=[
        "100-passes",
        "99.99-fails",
        "84.3-fails",
        "98-of-min-98",
        "under-min-99",
        "99.5-of-min-99.5",
    ],
)
def test_exit_status_against_the_minimum(
    script: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    score: float,
    argv: list[str],
    status: int,
) -> None:
    """0 at or over the minimum (100 unless ``--min``), 1 under it, saying so on stderr."""
    monkeypatch.setattr(script, "collect_report", lambda: report(score))
    assert status == script.main(argv)
    out, err = capsys.readouterr()
    minimum = argv[1] if argv else "100"
    shown = f"{100 * score:.2f}%"
    verdict = f"FAILED: {shown} is under {minimum}%\n" if status else ""
    assert (LISTED, f"type completeness of chattz_oauth_async: {shown} (minimum {minimum}%)") == (
        out.splitlines()[:-1],
        out.splitlines()[-1],
    )
    assert verdict == err


def test_stub_requirements_are_the_pyright_stubs_group(script: ModuleType) -> None:
    """What the script installs is pyproject.toml's ``pyright-stubs`` group: django-types."""
    assert ["django-types>=0.20"] == script.stub_requirements()
