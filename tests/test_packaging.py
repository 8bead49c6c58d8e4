"""Packaging facts users rely on."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import chattz_oauth_async


def test_version_comes_from_the_package_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert importlib.metadata.version("chattz_oauth_async") == chattz_oauth_async.__version__


def test_py_typed_marker_ships() -> None:
    """The package is marked as typed (PEP 561)."""
    assert (Path(chattz_oauth_async.__file__).parent / "py.typed").is_file()


def test_import_does_not_pull_optional_modules() -> None:
    """import chattz_oauth_async loads no optional part: testing, CLI, web frameworks, sync twin."""
    code = (
        "import sys, chattz_oauth_async; "
        "heavy = ['chattz_oauth_async.testing', 'chattz_oauth_async.cli', "
        "'chattz_oauth_async.integrations', 'uvicorn', 'starlette', 'respx', "
        "'importlib.metadata', 'chattz_oauth_async._sync', "
        "'asyncio']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == out.stdout.strip()


def test_console_script_runs_the_command_line() -> None:
    """`chattz-oauth` is installed and runs the same main() as `python -m chattz_oauth_async`."""
    (script,) = [
        entry
        for entry in importlib.metadata.entry_points(group="console_scripts")
        if entry.name == "chattz-oauth"
    ]
    assert "chattz_oauth_async.cli:main" == script.value


def test_project_urls_name_source_and_issues() -> None:
    """The package index page links to the source and the issue tracker."""
    urls = importlib.metadata.metadata("chattz_oauth_async").get_all("Project-URL") or []
    labels = {entry.split(",", 1)[0].strip() for entry in urls}
    assert {"Source", "Issues"} <= labels


def test_core_install_is_httpx_attrs_anyio() -> None:
    """The core install's requirements (extras aside): the design card's three, nothing else."""
    requires = importlib.metadata.requires("chattz_oauth_async") or []
    core = sorted(
        req.split(">")[0].split("=")[0].split("<")[0].strip()
        for req in requires
        if "extra ==" not in req
    )
    assert ["anyio", "attrs", "httpx"] == core


def test_the_web_extras_bring_sniffio() -> None:
    """[starlette], [fastapi] and [django] install sniffio (docs/performance.md, "sniffio").

    httpcore 1.0.x retries a failed ``import sniffio`` on every lock it sets up: a web
    app serving logins pays it on every request; the core install stays the three.
    """
    requires = importlib.metadata.requires("chattz_oauth_async") or []
    with_sniffio = sorted(
        req.split("extra ==")[1].strip().strip("'\"")
        for req in requires
        if req.startswith("sniffio") and "extra ==" in req
    )
    assert ["django", "fastapi", "starlette"] == with_sniffio
