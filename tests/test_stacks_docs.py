"""The auth-stack pages (docs/stacks/, the Authlib recipe) show the files the suite runs.

Their complete test files are marked ``<!-- fragment: shown from PATH, which the suite
runs -->`` (so tests/test_docs.py counts them as shown, not run, blocks): here each is
compared with PATH, which tests/test_stacks_django.py and the main run execute. The pages
are plain Markdown, so they read the same on GitHub as in the built site.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs" / "stacks").glob("*.md")), ROOT / "docs" / "migrating.md"]
SHOWN = re.compile(
    r"^<!-- fragment: shown from (?P<path>\S+), which the suite runs -->\n```python\n"
    r"(?P<body>.*?)\n```$",
    re.M | re.S,
)


def shown_files() -> list[tuple[str, str, str]]:
    """(page, path, body) of each block that shows a file of the suite."""
    return [
        (page.name, found["path"], found["body"])
        for page in PAGES
        for found in SHOWN.finditer(page.read_text())
    ]


def test_each_stack_page_shows_a_complete_test_file() -> None:
    """allauth, social-auth, httpx-oauth and the Authlib recipe each show one."""
    pages = sorted(page for page, _, _ in shown_files())
    assert ["allauth.md", "httpx-oauth.md", "migrating.md", "social-auth.md"] == pages


@pytest.mark.parametrize(("page", "path", "body"), shown_files())
def test_page_shows_the_file_verbatim(page: str, path: str, body: str) -> None:
    assert (ROOT / path).read_text().rstrip("\n") == body


def test_stack_pages_need_no_sphinx_to_read() -> None:
    """No MyST roles or directives but the hidden toctree: GitHub shows them as written."""
    sphinx = [
        f"{page.name}: {line}"
        for page in sorted((ROOT / "docs" / "stacks").glob("*.md"))
        for line in page.read_text().splitlines()
        if re.search(r"\{(?!toctree\})[a-z-]+\}`|^```\{(?!toctree\})", line)
        or (line.startswith(":") and not line.startswith(":hidden:"))
    ]
    assert [] == sphinx


def test_stack_pages_are_linked_from_the_docs_index_and_the_readme() -> None:
    index = (ROOT / "docs" / "index.md").read_text()
    readme = (ROOT / "README.md").read_text()
    base = "https://github.com/chattz-oauth-async/chattz_oauth_async/blob/main/docs/"
    pages = ["stacks/allauth", "stacks/social-auth", "stacks/httpx-oauth"]
    assert ([True] * 5, [True] * 4) == (
        [f"]({page}.md)" in index for page in pages]
        + ["\nstacks/index\n" in index, "](migrating.md#authlib-the-recipe)" in index],
        [f"{base}{page}.md" in readme for page in pages]
        + [f"{base}migrating.md#authlib-the-recipe" in readme],
    )
