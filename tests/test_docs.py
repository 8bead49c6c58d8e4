"""The documentation is true: public names are documented, and its code runs.

Conventions (docs/development.md):

- A code block a test runs is preceded by ``<!-- test: NAME -->``; this file
  runs it (``TESTED`` lists the names).
- A code block shown on purpose without running it is a fragment: it is
  preceded by ``<!-- fragment -->``.
- Whole apps are shown as blocks preceded by ``<!-- mirror: examples/... -->``,
  holding the file's text: scripts/sync_docs.py writes them from the files
  (its ``--check`` runs here), and tests/test_examples.py or
  tests/test_django_project.py runs the files.
- The pages the README links to read on GitHub as they do in the built site:
  plain Markdown, no MyST roles, ``{literalinclude}`` or ``{code-block}``.
- The Testing page's complete test files are tests/test_testing_examples.py's
  constants, which that file runs in a fresh pytest; here they are compared
  with the page, so the two cannot drift.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import pkgutil
import re
import subprocess
import sys
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

import chattz_oauth_async
import chattz_oauth_async.integrations
from chattz_oauth_async.testing import FakeChattz
from tests import served
from tests.test_testing_examples import (
    FASTAPI,
    FASTAPI_ACCOUNTS,
    FLASK,
    FLASK_ACCOUNTS,
)

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [*(page for page in sorted(DOCS.rglob("*.md")) if "_build" not in page.parts), README]
REFERENCE = [p for p in sorted((DOCS / "reference").iterdir()) if p.suffix in (".md", ".rst")]

#: The ``<!-- test: NAME -->`` blocks, each run by a test below (README's in test_readme.py).
TESTED = {
    "quickstart-fastapi",
    "starlette-app",
    "django-views",
    "django-on-success",
    "starlette-accounts",
    "pytest-example",
    "login-driver",
    "readme-fastapi",
    "readme-testing",
    "readme-accounts",
    "testing-fastapi",
    "testing-flask",
    "testing-fastapi-accounts",
    "testing-flask-accounts",
    "fastapi-overrides",
    "sessions-loops",
    "operating-events",
    "fastapi-accounts",
    "access-log-filter",
    "fake-clock",
    "accounts-user-key",
}
#: Languages that are not code: output, diagrams.
NOT_CODE = {"text", "none"}
#: MyST directives that show code and so need a marker, like a plain fence.
CODE_DIRECTIVES = {"{code-block}", "{code}", "{sourcecode}"}

FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
MARKER = re.compile(
    r"^<!--\s*(?:test:\s*(?P<test>[\w-]+)|(?P<fragment>fragment)\b[^>]*"
    r"|mirror:\s*(?P<mirror>[\w./-]+?)(?::\w+)?)\s*-->$"
)
AUTODOC = re.compile(
    r"^\s*(?:\.\.\s+|```\{)(?:auto(?:class|function|exception|data|attribute|module|method)|"
    r"py:(?:class|function|exception|data|attribute|module|method))(?:::|\})\s+(?P<name>[\w.]+)",
    re.M,
)


@attrs.frozen
class Block:
    """One fenced block of a Markdown page."""

    path: Path
    line: int
    info: str
    options: dict[str, str]
    body: str
    marker: str | None  # a test name, "fragment", or None
    mirror: str | None  # the example file a ``<!-- mirror: ... -->`` block holds

    @property
    def where(self) -> str:
        """``file:line`` for failure messages."""
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def language(self) -> str:
        """The language: the info string's first word, or a directive's argument."""
        words = self.info.split()
        if words and words[0] in CODE_DIRECTIVES:
            return words[1] if len(words) > 1 else ""
        return words[0] if words else ""

    @property
    def is_code(self) -> bool:
        """Whether the block shows code (and so must run or be marked a fragment)."""
        words = self.info.split()
        if words and words[0].startswith("{") and words[0] not in CODE_DIRECTIVES:
            return False  # toctree, include, literalinclude...
        return self.language not in NOT_CODE

    @property
    def is_fragment(self) -> bool:
        """Marked as a fragment, by a comment or by ``:class: fragment``."""
        return self.marker == "fragment" or "fragment" in self.options.get("class", "").split()


def blocks_of(path: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown file (CommonMark fences, MyST directive options)."""
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opener = FENCE.match(lines[index])
        if opener is None:
            index += 1
            continue
        fence, info, start = opener["fence"], opener["info"].strip(), index
        marker = mirror = None
        previous = next((text for text in reversed(lines[:start]) if text.strip()), "")
        found = MARKER.match(previous.strip())
        if found is not None:
            mirror = found["mirror"]
            marker = found["test"] or ("fragment" if found["fragment"] else None)
        index += 1
        options: dict[str, str] = {}
        while info.startswith("{") and index < len(lines) and lines[index].startswith(":"):
            key, _, value = lines[index][1:].partition(":")
            options[key.strip()] = value.strip()
            index += 1
        body = []
        while index < len(lines):
            closer = lines[index].strip()
            if closer.startswith(fence[0] * len(fence)) and not closer.strip(fence[0]):
                break
            body.append(lines[index])
            index += 1
        index += 1
        text = "\n".join(body).strip("\n") + "\n"
        yield Block(path, start + 1, info, options, text, marker, mirror)


ALL_BLOCKS = [block for page in PAGES for block in blocks_of(page)]


def block(name: str) -> Block:
    """The one block marked ``<!-- test: name -->``."""
    (found,) = [b for b in ALL_BLOCKS if b.marker == name]
    return found


# --- every code block runs or is a fragment ---------------------------------------


def test_docs_have_code_blocks() -> None:
    """The parser finds the pages' blocks (so the checks below check something)."""
    assert True is (len([b for b in ALL_BLOCKS if b.is_code]) >= 15)


def test_every_code_block_runs_or_is_a_fragment() -> None:
    """No code block is left unmarked: each runs in a test or says it is a fragment."""
    unmarked = [
        b.where for b in ALL_BLOCKS if b.is_code and not (b.is_fragment or b.marker or b.mirror)
    ]
    assert [] == unmarked


def test_every_test_marker_has_a_test() -> None:
    """Each ``<!-- test: NAME -->`` is run here, and each name here marks exactly one block."""
    names = [b.marker for b in ALL_BLOCKS if b.marker not in (None, "fragment")]
    assert (sorted(TESTED), len(names)) == (sorted(set(names)), len(set(names)))


def test_python_fragments_compile() -> None:
    """Python fragments are valid Python (top-level ``await`` allowed): no typos in them."""
    import ast

    broken = []
    for found in ALL_BLOCKS:
        if found.is_fragment and found.language in ("python", "py"):
            try:
                compile(found.body, found.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            except SyntaxError as exc:
                broken.append(f"{found.where}: {exc}")
    assert [] == broken


#: The tests that run the example files, whole or by folder.
EXAMPLE_TESTS = ("test_examples.py", "test_django_project.py")


def test_mirrors_show_tested_examples() -> None:
    """Every mirrored file is an example under examples/ that a test runs (by name or folder)."""
    tested = "".join((ROOT / "tests" / name).read_text() for name in EXAMPLE_TESTS)
    mirrors = [found for found in ALL_BLOCKS if found.mirror is not None]
    untested = []
    for found in mirrors:
        parts = Path(str(found.mirror)).parts
        top = Path(parts[1]).stem if len(parts) > 1 else ""
        if parts[0] != "examples" or top not in tested:
            untested.append(f"{found.where}: {found.mirror}")
    assert ([], True) == (untested, len(mirrors) >= 15)


def test_mirrored_blocks_are_the_example_files() -> None:
    """``scripts/sync_docs.py --check``: every mirrored block is its file, and nothing is stale.

    After editing an example, run ``python scripts/sync_docs.py`` and commit the pages.
    """
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (0, "") == (result.returncode, result.stderr), result.stdout


def readme_pages() -> list[Path]:
    """The pages of docs/ that README.md links to (absolute GitHub links, read on GitHub)."""
    prefix = r"https://github\.com/chattz-oauth-async/chattz_oauth_async/blob/main/(docs/[\w/.-]+)"
    return sorted({ROOT / path for path in re.findall(prefix, README.read_text())})


#: What GitHub shows raw: MyST roles (not inside a code span) and the directives that show code.
MYST_ONLY = re.compile(
    r"(?<!`)\{(?:doc|class|mod|func|meth|exc|attr|data|obj|ref)\}`"
    r"|^\s*(?:```|:::)\{(?:literalinclude|code-block|code|sourcecode|include)\}",
    re.M,
)


def test_pages_the_readme_links_to_read_on_github() -> None:
    """Those pages are plain Markdown: fenced code, relative links; no roles or includes."""
    pages = readme_pages()
    raw = {
        str(page.relative_to(ROOT)): MYST_ONLY.findall(page.read_text())
        for page in pages
        if page.suffix == ".md"
    }
    assert ({}, True) == ({k: v for k, v in raw.items() if v}, len(pages) >= 15)


def test_pages_link_to_pages_that_exist() -> None:
    """Every relative link of a docs page names a file that exists (as GitHub follows it)."""
    link = re.compile(r"\]\((?!https?://|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)")
    broken = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in PAGES
        for target in link.findall(page.read_text())
        if not (page.parent / target).exists()
    ]
    assert [] == broken


SYNC_PAGE = """# A page

See {doc}`other` and {doc}`the other page <other>`; {class}`~pkg.mod.Thing`,
{func}`pkg.run` and {mod}`pkg.mod`.

<!-- mirror: app.py -->
```python
stale
```

```{literalinclude} app.py
:language: python
:pyobject: main
```

```{code-block} sh
:class: fragment

echo hi
```
"""

SYNCED_PAGE = """# A page

See [Other page](other.md) and [the other page](other.md); `Thing`,
`pkg.run()` and `pkg.mod`.

<!-- mirror: app.py -->
```python
import sys


@print
def main():
    return 1
```

<!-- mirror: app.py:main -->
```python
@print
def main():
    return 1
```

<!-- fragment -->
```sh
echo hi
```
"""


@pytest.fixture
def sync_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """scripts/sync_docs.py, working on ``tmp_path`` as its repository and its docs folder."""
    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "scripts" / "sync_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "DOCS", tmp_path)
    return module


def test_sync_docs_converts_and_is_idempotent(sync_docs: ModuleType, tmp_path: Path) -> None:
    """The script turns roles, includes and code-blocks into plain Markdown; a rerun keeps it."""
    (tmp_path / "app.py").write_text("import sys\n\n\n@print\ndef main():\n    return 1\n")
    (tmp_path / "other.md").write_text("# Other page\n")
    page = tmp_path / "page.md"
    page.write_text(SYNC_PAGE)
    first = sync_docs.main([])
    text = page.read_text()
    again = sync_docs.main(["--check"])
    (tmp_path / "app.py").write_text("def main():\n    return 2\n")  # the example edited
    stale = sync_docs.main(["--check"])
    assert (0, SYNCED_PAGE, 0, 1) == (first, text, again, stale)


def test_sync_docs_refuses_a_mirror_without_its_block_or_file(
    sync_docs: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marker with no code block after it, or naming no file, exits 2 saying where."""
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n<!-- mirror: app.py -->\n\nSome text.\n")
    dangling = sync_docs.main(["--check"])
    page.write_text("# A page\n\n<!-- mirror: gone.py -->\n```python\n```\n")
    missing = sync_docs.main(["--check"])
    assert (2, 2) == (dangling, missing)
    assert [
        "sync_docs: page.md:3: no code block after <!-- mirror: app.py -->",
        "sync_docs: gone.py: no such file",
    ] == capsys.readouterr().err.splitlines()


# --- the reference --------------------------------------------------------------


def public_modules() -> list[ModuleType]:
    """The modules whose ``__all__`` is public API."""
    modules = [
        importlib.import_module(name)
        for name in (
            "chattz_oauth_async",
            "chattz_oauth_async.testing",
            "chattz_oauth_async.testing.pytest_plugin",
            "chattz_oauth_async.protocol",
            "chattz_oauth_async.accounts",
            "chattz_oauth_async.accounts.sqlalchemy",
            "chattz_oauth_async.diagnostics",
            "chattz_oauth_async.events",
        )
    ]
    integrations = chattz_oauth_async.integrations
    for info in pkgutil.iter_modules(integrations.__path__, integrations.__name__ + "."):
        if not info.name.rsplit(".", 1)[1].startswith("_"):
            modules.append(importlib.import_module(info.name))
    return modules


def public_names() -> list[tuple[str, Any]]:
    """Every public name as ``(module.name, object)``."""
    return [
        (f"{module.__name__}.{name}", getattr(module, name))
        for module in public_modules()
        for name in module.__all__
    ]


def documented() -> set[str]:
    """The names that autodoc (or a ``py:`` directive) documents in docs/reference/."""
    return {m["name"] for page in REFERENCE for m in AUTODOC.finditer(page.read_text())}


def test_every_public_name_is_in_the_reference() -> None:
    """Each name in a public ``__all__`` has an autodoc directive in docs/reference/."""
    names = documented()
    assert [] == [name for name, _ in public_names() if name not in names]


def test_the_reference_documents_nothing_private() -> None:
    """No documented name has a private part (``_session``, ``_fake``...)."""
    private = [
        name
        for name in documented()
        if any(part.startswith("_") and part != "__version__" for part in name.split("."))
    ]
    assert [] == private


def own_doc(obj: Any) -> str | None:
    """The object's own docstring (a class's, not one inherited from its base)."""
    if inspect.isclass(obj):
        return vars(obj).get("__doc__")
    return getattr(obj, "__doc__", None)


def members(cls: type) -> dict[str, Any]:
    """A class's members, its bases' from this package included (``ChattzLogin``'s ``SignedIn``)."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("chattz_oauth_async."):
            found.update(vars(klass))
    return found


def test_every_public_class_and_function_has_a_docstring() -> None:
    """Classes, functions and fixtures in a public ``__all__`` say what they are for."""
    missing = [
        name
        for name, obj in public_names()
        if (inspect.isclass(obj) or callable(obj)) and not (own_doc(obj) or "").strip()
    ]
    assert [] == missing


def test_every_public_method_has_a_docstring() -> None:
    """Public methods and properties of public classes have docstrings (autodoc shows them)."""
    missing = []
    for name, obj in public_names():
        if not inspect.isclass(obj):
            continue
        for member, value in members(obj).items():
            function = value.fget if isinstance(value, property) else value
            function = getattr(function, "__func__", function)
            if member.startswith("_") or not callable(function):
                continue
            if not (getattr(function, "__doc__", None) or "").strip():
                missing.append(f"{name}.{member}")
    assert [] == missing


# Types from optional packages a public module imports for type checkers only.
_OPTIONAL_PACKAGE_TYPES = {"APIRouter"}  # FastAPI, for ChattzLogin.router


def test_public_annotations_resolve_at_run_time() -> None:
    """``typing.get_type_hints`` works on every public callable and method.

    Dependency-injection containers and validators read the session's
    constructor this way; a name imported only under ``TYPE_CHECKING`` would
    make them fail with NameError.
    """
    failures = []
    for name, obj in public_names():
        targets = [(name, obj)] if callable(obj) and not inspect.isclass(obj) else []
        if inspect.isclass(obj):
            for member, value in members(obj).items():
                function = value.fget if isinstance(value, property) else value
                function = getattr(function, "__func__", function)
                if callable(function) and (member == "__init__" or not member.startswith("_")):
                    targets.append((f"{name}.{member}", function))
        for where, function in targets:
            try:
                typing.get_type_hints(function)
            except NameError as exc:
                if exc.name not in _OPTIONAL_PACKAGE_TYPES:
                    failures.append(f"{where}: {exc}")
    assert [] == failures


def test_security_page_covers_every_checklist_line() -> None:
    """docs/security.md has one row per line of docs/security-checklist.md, in order."""
    checklist = (DOCS / "security-checklist.md").read_text()
    lines = [int(n) for n in re.findall(r"^(\d+)\. ", checklist, flags=re.M)]
    rows = [int(n) for n in re.findall(r"^\| (\d+) \|", (DOCS / "security.md").read_text(), re.M)]
    assert (True, lines) == (len(lines) >= 38, rows)


def where_things_live() -> str:
    """The "Where things live" section of docs/development.md."""
    text = (DOCS / "development.md").read_text()
    return text[text.index("## Where things live") : text.index("## Architecture")]


def test_development_page_lists_every_module() -> None:
    """ "Where things live" names each module once (a folder line covers a generated folder)."""
    section = where_things_live()
    heads = re.findall(r"^- (.*?): ", section, flags=re.M)
    named = [name for head in heads for name in re.findall(r"`([\w/.]+(?:\.py|/))`", head)]
    package = ROOT / "chattz_oauth_async"
    covered = []
    for name in named:
        paths = sorted((package / name).glob("*.py")) if name.endswith("/") else [package / name]
        covered += [str(path.relative_to(package)) for path in paths]
    modules = sorted(str(path.relative_to(package)) for path in package.rglob("*.py"))
    assert (modules, len(covered)) == (sorted(covered), len(set(covered)))


#: A reST role: :class:`text <a.B>`, :class:`~a.B` or :mod:`a.b`.
_ROLE = re.compile(r":\w+:`(?:(?P<label>[^`<]+?)\s*<[^`>]+>|(?P<tilde>~)?(?P<target>[^`]+))`")


def markdown_summary(docstring: str) -> str:
    """A docstring's first paragraph as the page writes it: Markdown code spans, one line.

    ``x`` becomes `x`; a role becomes the code span of what it shows: :class:`~a.B` `B`,
    :mod:`a.b` `a.b`, :meth:`text <a.b>` `text`.
    """

    def shown(role: re.Match[str]) -> str:
        if role["label"] is not None:
            return f"`{role['label']}`"
        target = role["target"]
        return f"`{target.rsplit('.', 1)[-1] if role['tilde'] else target}`"

    first = _ROLE.sub(shown, docstring.split("\n\n")[0])
    return " ".join(first.replace("``", "`").split())


def test_development_page_opens_each_module_entry_with_its_summary() -> None:
    """Each module's entry starts with the first paragraph of the module's docstring.

    A stale description fails: change what a module is for, and its summary changes with
    it; the entry must follow. A folder entry (a generated twin) is exempt.
    """
    package = ROOT / "chattz_oauth_async"
    entries = re.findall(r"^- `([\w/.]+\.py)`: (.*?)(?=^- |\Z)", where_things_live(), re.M | re.S)
    stale = []
    for path, entry in entries:
        docstring = ast.get_docstring(ast.parse((package / path).read_text())) or ""
        summary = markdown_summary(docstring)
        text = " ".join(entry.split())
        if not summary or not text.startswith(summary):
            stale.append(f"{path}: the module says {summary!r}; the page says {text[:120]!r}")
    assert (len(entries), []) == (len(list(package.rglob("*.py"))) - len(generated()), stale)


def generated() -> list[Path]:
    """The modules of the generated twins (``_sync`` folders), which folder entries cover."""
    package = ROOT / "chattz_oauth_async"
    return [path for path in package.rglob("*.py") if "_sync" in path.parent.parts]


def test_chattz_login_documents_every_status_it_returns() -> None:
    """``ChattzLogin.describe_error`` lists each status it answers with, and no other.

    The errors below reach every branch of the one error table; a status that appears or
    goes away there must appear or go away in the docstring's list too.
    """
    from chattz_oauth_async import errors
    from chattz_oauth_async.integrations.starlette import ChattzLogin

    samples = [
        errors.AuthorizationDenied("access_denied"),
        errors.LoginStateError("old", expired=True),
        errors.StateMismatchError("no login"),
        errors.UnsafeRedirectError("//evil"),
        errors.ProviderError("two codes"),
        errors.ProviderError("bad gateway", status_code=502),
        errors.TransportError("refused"),
        errors.AccountLinkedElsewhere(5),
        errors.UnlinkRefused(5),
        errors.LinkRefused("gone"),
        errors.SignupsClosed(5),
        errors.InactiveUser(),
        errors.AccountError("raced"),
        errors.AccountStoreError("no table", transient=False),
        errors.ConfigurationError("no key"),
    ]
    returned = sorted({ChattzLogin.describe_error(error)[0] for error in samples})
    documented = re.findall(r"^\s*- (\d{3}):", ChattzLogin.describe_error.__doc__ or "", re.M)
    assert returned == sorted(int(status) for status in documented)


# --- the code blocks that run -----------------------------------------------------

APP_SECRET = served.APP_SECRET
chattz_redirect_uri = served.chattz_redirect_uri
served_fake = served.served_fake


def run_block(name: str) -> dict[str, Any]:
    """Execute a marked Python block as a module; return its namespace."""
    found = block(name)
    namespace: dict[str, Any] = {"__name__": f"docs_{name.replace('-', '_')}"}
    exec(compile(found.body, found.where, "exec"), namespace)  # noqa: S102
    return namespace


def log_in(app: Any, fake: FakeChattz, login_path: str) -> tuple[int, str, str]:
    """Drive a browser through the app's /login, the fake's consent, and the callback.

    Returns the callback's status, its Location, and a login-cookie name it set.
    """
    from starlette.testclient import TestClient

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        start = browser.get(login_path)
        cookie = next(iter(browser.cookies.keys()), "")
        callback = fake.authorize(start.headers["location"])
        done = browser.get(callback.removeprefix("https://testserver"))
    return done.status_code, done.headers.get("location", ""), cookie


def test_docs_quickstart_fastapi_logs_in(served_fake: FakeChattz) -> None:
    """Getting started's hand-written FastAPI handlers complete a login against the fake."""
    app = run_block("quickstart-fastapi")["app"]
    status, location, cookie = log_in(app, served_fake, "/login")
    assert (303, "/", "__Host-chattz_login") == (status, location, cookie)


def test_docs_session_serves_several_event_loops(served_fake: FakeChattz) -> None:
    """The Sessions page's import-time session answers from asyncio, asyncio, trio, and a thread."""
    import threading

    namespace = run_block("sessions-loops")
    token = served_fake.issue_token().access_token
    from_thread: list[list[str]] = []
    thread = threading.Thread(target=lambda: from_thread.append(namespace["main"](token)))
    thread.start()
    thread.join(timeout=60)
    name = served_fake.user.username
    assert ([name] * 3, [[name] * 3]) == (namespace["main"](token), from_thread)


def test_docs_starlette_app_logs_in(served_fake: FakeChattz) -> None:
    """The Starlette page's app logs in, lands on ?next, and uses a __Host- cookie per login."""
    app = run_block("starlette-app")["app"]
    status, location, cookie = log_in(app, served_fake, "/login?next=/account")
    paths = [request.path for request in served_fake.requests]
    assert (303, "/account", True, ["/oauth/token", "/oauth/userinfo"]) == (
        status,
        location,
        cookie.startswith("__Host-chattz_login_"),
        paths[-2:],
    )


def test_docs_starlette_accounts_app_never_links_a_plain_login(
    served_fake: FakeChattz, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed in as Vic, a plain login as Mal through the page's app: Mal's own new account."""
    from sqlalchemy import create_engine
    from starlette.testclient import TestClient

    from chattz_oauth_async.accounts import Accounts
    from chattz_oauth_async.accounts.sqlalchemy import SQLAlchemyStore

    database = tmp_path / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    vic = served_fake.add_user(id=2, username="vic", first_name="Vic")
    mal = served_fake.add_user(id=3, username="mal", first_name="Mal")
    app = run_block("starlette-accounts")["app"]
    with TestClient(app, base_url="https://testserver") as client:
        first = served_fake.login(client, "/login", user=vic, next="/account")
        forced = served_fake.login(client, "/login", user=mal, next="/account")
    engine = create_engine(f"sqlite:///{database}")
    try:
        accounts = Accounts(SQLAlchemyStore(engine))
        links = [(a.chattz_id, a.user_id) for u in ("1", "2") for a in accounts.accounts_of(u)]
    finally:
        engine.dispose()
    assert ("Signed in as Vic", "Signed in as Mal", [(2, "1"), (3, "2")]) == (
        first.text,
        forced.text,
        links,
    )


DJANGO_DRIVER = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from chattz_oauth_async.testing import FakeChattz

fake = FakeChattz()
app = fake.add_client("django-app", "django-secret", "https://testserver/callback")
with fake.serve() as server:
    os.environ.update(
        CHATTZ_CLIENT_ID=app.client_id, CHATTZ_CLIENT_SECRET=app.client_secret,
        CHATTZ_REDIRECT_URI=app.redirect_uri, CHATTZ_BASE_URL=server.base_url,
    )
    from django.conf import settings
    settings.configure(
        SECRET_KEY="django-docs-test-key-" * 3, ROOT_URLCONF="chattz_views",
        ALLOWED_HOSTS=["testserver"], DEBUG=False,
    )
    import django
    django.setup()
    from django.test import Client

    browser = Client()
    start = browser.get("/login", {"next": "/account"}, secure=True)
    cookie = next(iter(browser.cookies))
    callback = fake.authorize(start["Location"]).removeprefix("https://testserver")
    done = browser.get(callback, secure=True)
    again = browser.get(callback, secure=True)
    other = fake.sync_session(client_id=app.client_id, client_secret=app.client_secret,
                              redirect_uri=app.redirect_uri)
    forged = browser.get(fake.authorize(other.start_login().url)
                         .removeprefix("https://testserver"), secure=True)
    other.close()
    print(json.dumps([done.status_code, done["Location"], cookie.startswith("__Host-"),
                      again.status_code, forged.status_code]))
"""


def test_docs_django_views_log_in(tmp_path: Path) -> None:
    """The Django page's views log in with Django's test client; replay and forgery get 400."""
    (tmp_path / "chattz_views.py").write_text(block("django-views").body)
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(DJANGO_DRIVER))
    # A process of its own: Django's settings are global to the interpreter.
    result = subprocess.run(
        [sys.executable, str(driver), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ([302, "/account", True, 400, 400], "") == (
        json.loads(result.stdout or "null"),
        "" if result.returncode == 0 else result.stderr[-2000:],
    )


def test_docs_pytest_example_passes(pytester: pytest.Pytester) -> None:
    """The testing page's example tests pass with only the package installed."""
    pytester.makepyfile(test_users_app=block("pytest-example").body)
    result = pytester.runpytest_subprocess("-p", "anyio", "-q")
    outcomes = result.parseoutcomes()
    assert (0, 0, True) == (result.ret, outcomes.get("failed", 0), outcomes["passed"] >= 4)


def test_docs_login_driver_example_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The testing page's login-driver test passes against the FastAPI example as ``myapp``."""
    monkeypatch.setenv("APP_SECRET_KEY", APP_SECRET)
    pytester.makepyfile(
        myapp=(ROOT / "examples" / "fastapi_app.py").read_text(),
        test_login_driver=block("login-driver").body,
    )
    result = pytester.runpytest_subprocess("-q")
    assert (0, 1) == (result.ret, result.parseoutcomes().get("passed", 0))


def test_docs_fastapi_overrides_example_passes(pytester: pytest.Pytester) -> None:
    """The FastAPI page's dependency_overrides test passes against the quickstart as ``app``."""
    pytester.makepyfile(
        app=(ROOT / "examples" / "fastapi_quickstart" / "app.py").read_text(),
        test_overrides=block("fastapi-overrides").body,
    )
    result = pytester.runpytest_subprocess("-q")
    assert (0, 1) == (result.ret, result.parseoutcomes().get("passed", 0))


@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("testing-fastapi", FASTAPI),
        ("testing-flask", FLASK),
        ("testing-fastapi-accounts", FASTAPI_ACCOUNTS),
        ("testing-flask-accounts", FLASK_ACCOUNTS),
    ],
)
def test_testing_page_shows_the_examples_the_suite_runs(name: str, example: str) -> None:
    """The Testing page's complete tests are tests/test_testing_examples.py's, verbatim."""
    assert example == block(name).body


# --- the site -------------------------------------------------------------------


def test_read_the_docs_builds_the_site_like_nox_with_warnings_as_errors() -> None:
    """.readthedocs.yaml installs the docs group and builds docs/conf.py, failing on warnings."""
    text = (ROOT / ".readthedocs.yaml").read_text()
    wanted = ["version: 2", "configuration: docs/conf.py", "fail_on_warning: true"]
    wanted.append("python -m pip install . --group docs")
    assert [] == [line for line in wanted if line not in text]


def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    """``sphinx-build -W`` (what ``nox -s docs`` and Read the Docs run) builds the site."""
    pytest.importorskip("myst_parser", reason="the docs dependency group is not installed")
    build = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*build, str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (0, "") == (result.returncode, result.stderr[-3000:])
    # A method inherited from a base class drops off an autoclass entry silently.
    from chattz_oauth_async.integrations.starlette import ChattzLogin

    entries = [
        ("core", "chattz_oauth_async", chattz_oauth_async.AsyncChattzOAuth),
        ("core", "chattz_oauth_async", chattz_oauth_async.ChattzOAuth),
        ("integrations", "chattz_oauth_async.integrations.starlette", ChattzLogin),
    ]
    missing = set()
    for page, module, cls in entries:
        html = (tmp_path / "html" / "reference" / f"{page}.html").read_text()
        missing |= {
            f"{module}.{cls.__name__}.{name}"
            for name in dir(cls)
            if not name.startswith("_")
            and callable(getattr(cls, name))
            and f'id="{module}.{cls.__name__}.{name}"' not in html
        }
    assert set() == missing
