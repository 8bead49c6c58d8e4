"""Keep docs/ readable on GitHub and its copies of the examples identical to the files.

GitHub renders the pages the README links to as plain Markdown, where MyST's
``{literalinclude}`` is an empty code block and roles such as ``{doc}`` show
raw. So the pages hold plain Markdown only, and this script keeps them so:

- a block preceded by ``<!-- mirror: examples/flask_app.py -->`` holds that
  file's text, rewritten from the file on every run
  (``<!-- mirror: examples/fastapi_app.py:create_app -->``: one top-level
  function or class of it, decorators included);
- a ``{literalinclude}`` becomes such a mirrored block (its ``:pyobject:``
  too);
- a ``{code-block}`` with ``:class: fragment`` becomes a plain fence after
  ``<!-- fragment -->`` (tests/test_docs.py's marker for code shown on purpose
  without running);
- ``{doc}`` roles become relative Markdown links (myst-parser resolves them in
  the built site, GitHub follows them), and the Python roles (``{class}``,
  ``{func}``...) become code spans showing what Sphinx showed.

Usage::

    python scripts/sync_docs.py           # rewrite the pages (idempotent)
    python scripts/sync_docs.py --check   # exit 1, naming the pages, if a run would change any

tests/test_docs.py runs ``--check``: after editing an example under examples/,
run the script and commit the pages with the file.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
MIRROR = re.compile(r"^<!--\s*mirror:\s*(?P<path>[\w./-]+?)(?::(?P<object>\w+))?\s*-->$")
ROLE = re.compile(
    r"(?<!`)\{(?P<role>doc|class|mod|func|meth|exc|attr|data|obj)\}`(?P<target>[^`]+)`"
)
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$")
LANGUAGES = {".py": "python", ".ini": "ini", ".toml": "toml", ".html": "html", ".sh": "sh"}


class SyncError(Exception):
    """A page asks for something that cannot be done (a missing file, an unknown object)."""


def pages() -> list[Path]:
    """The Markdown pages of the documentation (not the build output)."""
    return [page for page in sorted(DOCS.rglob("*.md")) if "_build" not in page.parts]


def mirrored_text(path: str, name: str | None) -> str:
    """The text a mirror of ``path`` (or of its top-level ``name``) holds, ending in a newline."""
    source = ROOT / path
    if not source.is_file():
        raise SyncError(f"{path}: no such file")
    text = source.read_text()
    if name is None:
        return text if text.endswith("\n") else text + "\n"
    for node in ast.parse(text).body:
        if getattr(node, "name", None) == name and node.end_lineno is not None:
            decorators = getattr(node, "decorator_list", [])
            first = min([node.lineno, *(d.lineno for d in decorators)])
            return "".join(text.splitlines(keepends=True)[first - 1 : node.end_lineno])
    raise SyncError(f"{path}: no top-level {name}")


def fenced(info: str, body: str) -> list[str]:
    """``body`` in a backtick fence longer than any backtick run at a line start in it."""
    runs = [len(m.group(1)) for m in re.finditer(r"^\s*(`{3,})", body, flags=re.M)]
    fence = "`" * max([3, *(run + 1 for run in runs)])
    return [f"{fence}{info}", *body.splitlines(), fence]


def title_of(page: Path) -> str:
    """The page's first heading (what Sphinx shows for a ``{doc}`` without text)."""
    for line in page.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise SyncError(f"{page.relative_to(ROOT)}: no title")


def doc_link(page: Path, text: str | None, target: str) -> str:
    """A ``{doc}`` target as a relative Markdown link to the page's source file."""
    base = (page.parent / target).resolve()
    found = next(base.with_suffix(s) for s in (".md", ".rst") if base.with_suffix(s).is_file())
    label = text or title_of(found)
    return f"[{label}]({target}{found.suffix})"


def role_text(page: Path, match: re.Match[str]) -> str:
    """What replaces one role: a link for ``{doc}``, a code span for a Python object."""
    role, target = match["role"], match["target"]
    explicit = EXPLICIT.match(target)
    text, target = (explicit["text"], explicit["target"]) if explicit else (None, target)
    if role == "doc":
        try:
            return doc_link(page, text, target)
        except StopIteration:
            raise SyncError(f"{page.relative_to(ROOT)}: no page {target}") from None
    if text is None:
        text = target.rsplit(".", 1)[-1] if target.startswith("~") else target
        text = text.lstrip("~")
        if role in ("func", "meth"):
            text += "()"
    return f"`{text}`"


def options_of(lines: list[str], index: int) -> tuple[dict[str, str], int]:
    """A MyST directive's ``:key: value`` lines from ``index``; the index after them."""
    options: dict[str, str] = {}
    while index < len(lines) and lines[index].startswith(":"):
        key, _, value = lines[index][1:].partition(":")
        options[key.strip()] = value.strip()
        index += 1
    return options, index


def closing(lines: list[str], index: int, fence: str) -> int:
    """The index of the line closing a fence opened with ``fence``."""
    while index < len(lines):
        text = lines[index].strip()
        if text.startswith(fence) and not text.strip(fence[0]):
            return index
        index += 1
    raise SyncError(f"unclosed fence {fence}")


def synced(page: Path) -> str:
    """The page's text as this script leaves it."""
    lines = page.read_text().splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opener = FENCE.match(line)
        if opener is None:
            following = next((text for text in lines[index + 1 :] if text.strip()), "")
            if MIRROR.match(line.strip()) and not FENCE.match(following):
                raise SyncError(f"{page.relative_to(ROOT)}:{index + 1}: no code block after {line}")
            out.append(ROLE.sub(lambda m: role_text(page, m), line))
            index += 1
            continue
        fence, info = opener["fence"], opener["info"].strip()
        words = info.split()
        directive = words[0] if words else ""
        previous = next((text for text in reversed(out) if text.strip()), "")
        mirror = MIRROR.match(previous.strip())
        if directive == "{literalinclude}":
            options, body_start = options_of(lines, index + 1)
            end = closing(lines, body_start, fence)
            if set(options) - {"language", "pyobject"}:
                raise SyncError(f"{page.relative_to(ROOT)}:{index + 1}: options {options}")
            path = (page.parent / words[1]).resolve().relative_to(ROOT).as_posix()
            name = options.get("pyobject")
            language = options.get("language") or LANGUAGES.get(Path(path).suffix, "")
            out.append(f"<!-- mirror: {path}{':' + name if name else ''} -->")
            out += fenced(language, mirrored_text(path, name))
            index = end + 1
        elif directive in ("{code-block}", "{code}", "{sourcecode}"):
            options, body_start = options_of(lines, index + 1)
            end = closing(lines, body_start, fence)
            if options.get("class") != "fragment" or len(options) != 1:
                raise SyncError(f"{page.relative_to(ROOT)}:{index + 1}: options {options}")
            while body_start < end and not lines[body_start].strip():
                body_start += 1  # the blank line MyST allows after the options
            out.append("<!-- fragment -->")
            out.append(f"{opener['indent']}{fence}{' '.join(words[1:])}")
            out += lines[body_start : end + 1]
            index = end + 1
        elif mirror is not None:
            end = closing(lines, index + 1, fence)
            out += fenced(info, mirrored_text(mirror["path"], mirror["object"]))
            index = end + 1
        else:
            end = closing(lines, index + 1, fence)
            out += lines[index : end + 1]  # code and other directives: as they are
            index = end + 1
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the pages, or with ``--check`` report the ones a run would change."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    try:
        for page in pages():
            text = synced(page)
            if text != page.read_text():
                stale.append(str(page.relative_to(ROOT)))
                if not args.check:
                    page.write_text(text)
    except SyncError as exc:
        print(f"sync_docs: {exc}", file=sys.stderr)
        return 2
    if args.check and stale:
        print(f"out of date (run python scripts/sync_docs.py): {', '.join(stale)}")
        return 1
    print(f"{'rewrote' if stale else 'up to date:'} {', '.join(stale) or 'every page'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
