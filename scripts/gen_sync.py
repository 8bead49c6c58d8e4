#!/usr/bin/env python
"""Generate the sync twin from the async code, or check that it is up to date.

    python scripts/gen_sync.py          # regenerate every _sync folder (see PAIRS)
    python scripts/gen_sync.py --check  # fail if anything generated is stale, edited or orphaned

Token rewriting is done by the ``unasync`` package; a few textual rules then
fix prose (docstrings, comments) and test markers. The check regenerates into
a temporary folder and compares whole files and the file lists, so an edited,
truncated, appended or orphaned generated file fails it.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

try:
    import unasync
except ImportError:  # importing never exits: main() says what to install
    unasync = None

MISSING_UNASYNC = (
    "scripts/gen_sync.py needs unasync: pip install -e . --group tests (or: nox -s gen_sync)"
)


class MissingUnasyncError(RuntimeError):
    """The generator was run by an interpreter without the ``unasync`` package."""


PAIRS = [
    ("chattz_oauth_async/_async", "chattz_oauth_async/_sync"),
    ("chattz_oauth_async/accounts/_async", "chattz_oauth_async/accounts/_sync"),
    ("tests/_async", "tests/_sync"),
]
HEADER = (
    "# GENERATED from {source} by scripts/gen_sync.py -- do not edit.\n"
    "# Edit the async original, then run: python scripts/gen_sync.py\n"
)
# Token renames, applied by unasync to names only (never inside string literals).
# Each must match something: a rename that matches nothing fails the run.
RENAMES = {
    "AsyncChattzOAuth": "ChattzOAuth",
    "AsyncTokenHolder": "TokenHolder",
    "AsyncClient": "Client",
    "AsyncSignal": "SyncSignal",
    "aclose": "close",
    "async_sleep": "sync_sleep",
    "async_request_timeouts": "sync_request_timeouts",
    "async_deadline": "sync_deadline",
    "async_raw_chunks": "sync_raw_chunks",
    "async_call_hook": "sync_call_hook",
    "async_hook": "sync_hook",
    "async_shielded": "sync_shielded",
    "async_gather": "sync_gather",
    "AsyncWithHint": "SyncWithHint",
    "build_async_client": "build_sync_client",
    "async_loop_key": "sync_loop_key",
    "AsyncClientLike": "SyncClientLike",
    "AsyncTransportLike": "SyncTransportLike",
    "async_checkpoint": "sync_checkpoint",
    "AsyncAccounts": "Accounts",
    "AsyncAccountStore": "AccountStore",
    "AsyncSQLAlchemyStore": "SQLAlchemyStore",
    "AsyncEngine": "Engine",
    "AsyncConnection": "Connection",
    "async_create_all": "sync_create_all",
    "async_on_connection": "sync_on_connection",
    "async_run_on": "sync_run_on",
    "async_hook_result": "sync_hook_result",
    "async_require_asyncio": "sync_require_asyncio",
    "async_to_the_end": "sync_to_the_end",
    "async_sqlite_turn": "sync_sqlite_turn",
    "create_async_engine": "create_engine",
    "AsyncAdaptedQueuePool": "QueuePool",
    "AsyncLoginFlow": "LoginFlow",
}
# Applied to the whole text after unasync: prose, strings and markers it does not touch.
# Each must change something in at least one file, or the run fails.
TEXT_RULES = [
    (re.compile(r"^pytestmark = pytest\.mark\.anyio\n", re.M), ""),
    (re.compile(r"\bAsyncChattzOAuth\b"), "ChattzOAuth"),
    (re.compile(r"\bAsyncTokenHolder\b"), "TokenHolder"),
    (re.compile(r"\bAsyncLoginFlow\b"), "LoginFlow"),
    (re.compile(r"\bhttpx\.AsyncClient\b"), "httpx.Client"),
    (re.compile(r"\bhttpx2\.AsyncClient\b"), "httpx2.Client"),
    (re.compile(r"\bAsync(Accounts|AccountStore|SQLAlchemyStore|Engine)\b"), r"\1"),
    # SQLAlchemy's sync Engine and Connection are top-level names.
    (re.compile(r"^from sqlalchemy\.ext\.asyncio import ", re.M), "from sqlalchemy import "),
    (re.compile(r"\bsqlite\+aiosqlite:"), "sqlite:"),
    (re.compile(r"\bAwaitable\[(\w+)\]"), r"\1"),
    (re.compile(r"^(from collections\.abc import )Awaitable, ", re.M), r"\1"),
    (re.compile(r"\bawait "), ""),
    (re.compile(r"\basync with\b"), "with"),
    (re.compile(r"\bThe async session\b"), "The sync session"),
    (re.compile(r"\btasks\b"), "threads"),
    # FakeChattz.session() gives an async session; its sync partner is sync_session().
    (re.compile(r"(\bfake\w*)\.session\("), r"\1.sync_session("),
]


class DeadRuleError(RuntimeError):
    """A rename or text rule matched nothing: it is dead, or a source stopped using it."""


class _Rule(unasync.Rule if unasync is not None else object):  # type: ignore[misc]
    """unasync's rule, made strict.

    Only names are renamed, never string literals (unasync would turn the message
    "AsyncTokenHolder needs a Token" into one naming a class that does not exist;
    prose is the job of TEXT_RULES), and only by the explicit RENAMES (no blanket
    ``Async*`` -> ``Sync*``). Every rename used is recorded in ``used``.
    """

    def __init__(self, fromdir: str, todir: str, used: set[str]) -> None:
        super().__init__(fromdir=fromdir, todir=todir, additional_replacements=RENAMES)
        self.used = used

    def _unasync_tokens(self, tokens: Iterable[Any]) -> Iterator[Any]:
        # unasync renames tokens named NAME or STRING: hide the strings from it.
        hidden = (t._replace(name="KEPT_STRING") if t.name == "STRING" else t for t in tokens)
        yield from super()._unasync_tokens(hidden)

    def _unasync_name(self, name: str) -> str:
        if name in RENAMES:
            self.used.add(name)
        replacement: str = self.token_replacements.get(name, name)
        return replacement


def generate(dest_root: Path) -> None:
    """Write the sync files for every async source under ``dest_root``.

    Raises:
        MissingUnasyncError: the running interpreter has no ``unasync``.
        DeadRuleError: a rename or text rule changed nothing in any file.
    """
    if unasync is None:
        raise MissingUnasyncError(MISSING_UNASYNC)
    for _, dst in PAIRS:
        out_dir = dest_root / dst
        if out_dir.exists():
            for old in out_dir.rglob("*.py"):
                old.unlink()
    used_renames: set[str] = set()
    used_text_rules: set[int] = set()
    sources = [str(path) for src, _ in PAIRS for path in sorted((ROOT / src).rglob("*.py"))]
    rules = [
        _Rule(str(ROOT / src) + "/", str(dest_root / dst) + "/", used_renames) for src, dst in PAIRS
    ]
    unasync.unasync_files(sources, rules)
    for src, dst in PAIRS:
        for path in sorted((dest_root / dst).rglob("*.py")):
            text = path.read_text()
            for number, (pattern, replacement) in enumerate(TEXT_RULES):
                text, count = pattern.subn(replacement, text)
                if count:
                    used_text_rules.add(number)
            relative = path.relative_to(dest_root / dst)
            path.write_text(HEADER.format(source=f"{src}/{relative}") + text)
    dead = [f"rename {name!r}" for name in RENAMES if name not in used_renames]
    dead += [
        f"text rule {pattern.pattern!r}"
        for number, (pattern, _) in enumerate(TEXT_RULES)
        if number not in used_text_rules
    ]
    if dead:
        raise DeadRuleError("These patterns were not used: " + "; ".join(dead))


def _listing(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def check() -> list[str]:
    """Return the differences between the committed and a fresh generation."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh_root = Path(tmp)
        generate(fresh_root)
        for _, dst in PAIRS:
            fresh, current = fresh_root / dst, ROOT / dst
            want, have = _listing(fresh), _listing(current)
            problems += [f"missing: {dst}/{name}" for name in sorted(want - have)]
            orphans = sorted(have - want)
            problems += [f"orphaned (no async source): {dst}/{name}" for name in orphans]
            for name in sorted(want & have):
                if not filecmp.cmp(fresh / name, current / name, shallow=False):
                    problems.append(f"stale or edited: {dst}/{name}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args()
    try:
        return _check() if args.check else _generate()
    except DeadRuleError as exc:
        print(exc, file=sys.stderr)
        return 1


def _check() -> int:
    problems = check()
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print("run: python scripts/gen_sync.py", file=sys.stderr)
        return 1
    print("sync code is up to date")
    return 0


def _generate() -> int:
    generate(ROOT)
    print("regenerated " + ", ".join(dst for _, dst in PAIRS))
    return 0


def _relaunch_under_project_venv() -> None:
    """Started by a bare interpreter without unasync: re-run under ./.venv if it has it."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(venv_python, [str(venv_python), __file__, *sys.argv[1:]])  # noqa: S606
    sys.exit(MISSING_UNASYNC)


if __name__ == "__main__":
    if unasync is None:
        _relaunch_under_project_venv()
    sys.exit(main())
