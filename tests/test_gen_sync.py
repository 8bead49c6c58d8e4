"""The sync twin's drift check catches stale, edited, appended and orphaned files."""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gen_sync(tmp_path: Path) -> Iterator[ModuleType]:
    """scripts/gen_sync.py pointed at a copy of the repository's sources."""
    for folder in (
        "chattz_oauth_async/_async",
        "chattz_oauth_async/_sync",
        "chattz_oauth_async/accounts/_async",
        "chattz_oauth_async/accounts/_sync",
        "tests/_async",
        "tests/_sync",
    ):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    spec = importlib.util.spec_from_file_location(
        "gen_sync_under_test", ROOT / "scripts/gen_sync.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.ROOT = tmp_path  # type: ignore[attr-defined]
    yield module
    del sys.modules[spec.name]


def test_committed_sync_code_is_up_to_date() -> None:
    """The repository's generated files match a fresh generation."""
    spec = importlib.util.spec_from_file_location("gen_sync_repo", ROOT / "scripts/gen_sync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert [] == module.check()


def test_edited_generated_file_fails_the_check(gen_sync: ModuleType) -> None:
    """A hand edit inside a generated file is reported."""
    target = gen_sync.ROOT / "chattz_oauth_async/_sync/session.py"
    target.write_text(target.read_text().replace("def from_env", "def from_env_edited"))
    assert ["stale or edited: chattz_oauth_async/_sync/session.py"] == gen_sync.check()


def test_edited_accounts_twin_fails_the_check(gen_sync: ModuleType) -> None:
    """The accounts' generated folder is checked too."""
    target = gen_sync.ROOT / "chattz_oauth_async/accounts/_sync/engine.py"
    target.write_text(target.read_text().replace("def sign_in", "def sign_in_edited"))
    assert ["stale or edited: chattz_oauth_async/accounts/_sync/engine.py"] == gen_sync.check()


def test_appended_line_fails_the_check(gen_sync: ModuleType) -> None:
    """An extra line at the end of a generated file is reported (httpcore's zip check misses it)."""
    target = gen_sync.ROOT / "tests/_sync/test_session.py"
    target.write_text(target.read_text() + "\nEXTRA = 1\n")
    assert ["stale or edited: tests/_sync/test_session.py"] == gen_sync.check()


def test_orphaned_generated_file_fails_the_check(gen_sync: ModuleType) -> None:
    """A generated-folder file with no async source is reported."""
    (gen_sync.ROOT / "chattz_oauth_async/_sync/leftover.py").write_text("x = 1\n")
    assert ["orphaned (no async source): chattz_oauth_async/_sync/leftover.py"] == gen_sync.check()


def test_missing_generated_file_fails_the_check(gen_sync: ModuleType) -> None:
    """A deleted generated file is reported."""
    (gen_sync.ROOT / "chattz_oauth_async/_sync/__init__.py").unlink()
    assert ["missing: chattz_oauth_async/_sync/__init__.py"] == gen_sync.check()


def test_importing_without_unasync_neither_exits_nor_replaces_the_process() -> None:
    """Without unasync, importing the script works; generating raises a catchable error."""
    script = str(ROOT / "scripts/gen_sync.py")
    code = (
        "import importlib.util, sys\n"
        "sys.modules['unasync'] = None  # as if it were not installed\n"
        f"spec = importlib.util.spec_from_file_location('g', {script!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['g'] = module\n"
        "spec.loader.exec_module(module)\n"
        "try:\n"
        "    module.check()\n"
        "except module.MissingUnasyncError as exc:\n"
        "    print('caught:', exc)\n"
        "print('still here')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "still here" == out.stdout.splitlines()[-1]
    assert out.stdout.startswith("caught: scripts/gen_sync.py needs unasync")


def test_a_rename_that_matches_nothing_fails_the_run(gen_sync: ModuleType) -> None:
    """A dead rename is reported, as httpcore's "These patterns were not used"."""
    gen_sync.RENAMES["never_used_anywhere"] = "x"
    with pytest.raises(gen_sync.DeadRuleError, match="never_used_anywhere"):
        gen_sync.check()


def test_a_text_rule_that_changes_nothing_fails_the_run(gen_sync: ModuleType) -> None:
    """A dead text rule is reported."""
    gen_sync.TEXT_RULES.append((re.compile("no such text anywhere"), "x"))
    with pytest.raises(gen_sync.DeadRuleError, match="no such text anywhere"):
        gen_sync.check()


def test_string_literals_are_not_renamed(gen_sync: ModuleType) -> None:
    """unasync's blanket Async* -> Sync* never reaches a string: no message names a ghost class."""
    source = gen_sync.ROOT / "chattz_oauth_async/_async/extra.py"
    source.write_text('MESSAGE = "AsyncThing needs a Token"\nNAME = "aclose"\n')
    gen_sync.generate(gen_sync.ROOT)
    generated = (gen_sync.ROOT / "chattz_oauth_async/_sync/extra.py").read_text()
    assert generated.endswith('MESSAGE = "AsyncThing needs a Token"\nNAME = "aclose"\n')


def _capitalised_words(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\b", text))


def test_generated_code_names_no_class_that_does_not_exist() -> None:
    """Every capitalised name the generator introduces exists in the package, httpx or the tests."""
    import httpx
    import sqlalchemy

    import chattz_oauth_async
    import chattz_oauth_async._synchronization
    import tests.helpers

    generated_modules = [
        importlib.import_module(f"{folder.replace('/', '.')}.{path.stem}")
        for folder in ("chattz_oauth_async/_sync", "chattz_oauth_async/accounts/_sync")
        for path in sorted((ROOT / folder).glob("*.py"))
    ]
    homes = [
        sqlalchemy,
        chattz_oauth_async,
        chattz_oauth_async._synchronization,
        *generated_modules,
        httpx,
        tests.helpers,
    ]
    introduced: dict[str, str] = {}
    for source_dir, generated_dir in (
        ("chattz_oauth_async/_async", "chattz_oauth_async/_sync"),
        ("chattz_oauth_async/accounts/_async", "chattz_oauth_async/accounts/_sync"),
        ("tests/_async", "tests/_sync"),
    ):
        for source in sorted((ROOT / source_dir).rglob("*.py")):
            generated = ROOT / generated_dir / source.relative_to(ROOT / source_dir)
            new = _capitalised_words(generated.read_text()) - _capitalised_words(source.read_text())
            introduced.update(dict.fromkeys(new - {"GENERATED", "Edit"}, generated.name))
    assert introduced, "the generator introduces names (so this test checks something)"
    missing = {
        name: where
        for name, where in introduced.items()
        if not any(hasattr(home, name) for home in homes)
    }
    assert {} == missing
