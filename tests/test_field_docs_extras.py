"""Field test: a page's accounts app names the extra that installs what it imports.

A stranger who installs what docs/frameworks/fastapi.md's first line says
(``chattz_oauth_async[fastapi]``) and copies its "Accounts and the signed-in user"
app gets ``ModuleNotFoundError: No module named 'sqlalchemy'``: the section never
said that the store needs the ``[sqlalchemy]`` extra (``[postgresql]`` on PostgreSQL).
Starlette's page had the same gap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "frameworks"


def _section(page: str, heading: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : None if end < 0 else end]


@pytest.mark.parametrize(
    ("page", "heading", "install"),
    [
        (
            "fastapi.md",
            "Accounts and the signed-in user",
            "pip install 'chattz_oauth_async[fastapi,sqlalchemy]' uvicorn",
        ),
        (
            "starlette.md",
            "Accounts and the signed-in session",
            "pip install 'chattz_oauth_async[starlette,sqlalchemy]'",
        ),
    ],
)
def test_the_accounts_section_says_which_extra_to_install(
    page: str, heading: str, install: str
) -> None:
    section = _section(page, heading)
    assert "chattz_oauth_async.accounts.sqlalchemy" in section
    before_the_code = section[: section.index("```python")]
    assert (True, True) == (install in before_the_code, "postgresql]" in before_the_code)
