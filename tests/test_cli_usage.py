"""The command line's face: its name in help, --version, bad arguments refused before any start."""

from __future__ import annotations

import getpass
import io
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from chattz_oauth_async import _cli_fake
from chattz_oauth_async._cli_common import CommandError
from chattz_oauth_async._cli_login import _client_secret
from chattz_oauth_async.cli import main

TIMEOUT = 30.0


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m chattz_oauth_async ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "chattz_oauth_async", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def exit_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main(argv) in-process: exit status, stdout, last line of stderr."""
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse's usage errors, --help and --version
        status = int(stop.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, (captured.err.strip().splitlines() or [""])[-1]


def test_help_names_the_command_as_typed() -> None:
    """--help says chattz-oauth for the console script and python -m ... for the module."""
    script = str(Path(sys.executable).with_name("chattz-oauth"))
    by_script = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    by_module = run_module("--help")
    assert [
        "usage: chattz-oauth [-h] [--version] COMMAND ...",
        "usage: python -m chattz_oauth_async [-h] [--version] COMMAND ...",
    ] == [by_script.stdout.splitlines()[0], by_module.stdout.splitlines()[0]]
    assert (
        "Start with: python -m chattz_oauth_async demo" == by_module.stdout.strip().splitlines()[-1]
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the command's name and the package's version."""
    assert (0, f"chattz-oauth {version('chattz_oauth_async')}\n") == exit_of(["--version"], capsys)[
        :2
    ]


def test_demo_help_has_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    """demo --help says what the demo does, that it plays your app, and what --browser does."""
    status, out, _ = exit_of(["demo", "--help"], capsys)
    assert 0 == status
    assert (
        "Run the whole documented login against a fake Chattz provider served on loopback, "
        "over real HTTP, and print each step with secrets redacted. This process plays both "
        'the browser and "your app"; with SQLAlchemy installed it also signs the user in to '
        "a local account in a throwaway SQLite database. --browser does it in your own "
        "browser instead, through a small local site."
    ) in " ".join(out.split())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["demo", "--timeout", "5"],
            "error: --timeout only applies to demo --browser (the demo without it runs at "
            "once in this process and waits for nobody)",
        ),
        (
            ["demo", "--port", "8080", "--no-open"],
            "error: --port and --no-open only apply to demo --browser (the demo without it "
            "runs at once in this process and waits for nobody)",
        ),
        (
            ["fake", "--port", "70000"],
            "chattz-oauth fake: error: argument --port: must be a port number from 0 to 65535 "
            "(0 picks a free one), not '70000'",
        ),
        (
            ["fake", "--port", "nine"],
            "chattz-oauth fake: error: argument --port: must be a port number from 0 to 65535 "
            "(0 picks a free one), not 'nine'",
        ),
        (
            ["login", "--timeout", "-5"],
            "chattz-oauth login: error: argument --timeout: must be a number of seconds "
            "greater than 0 and at most 86400 (a day), such as 300, not '-5'",
        ),
        (
            ["login", "--timeout", "nan"],
            "chattz-oauth login: error: argument --timeout: must be a number of seconds "
            "greater than 0 and at most 86400 (a day), such as 300, not 'nan'",
        ),
        (
            ["login", "--timeout", "1e308"],
            "chattz-oauth login: error: argument --timeout: must be a number of seconds "
            "greater than 0 and at most 86400 (a day), such as 300, not '1e308'",
        ),
        (
            ["demo", "--browser", "--timeout", "0"],
            "chattz-oauth demo: error: argument --timeout: must be a number of seconds "
            "greater than 0 and at most 86400 (a day), such as 300, not '0'",
        ),
        (
            ["fake", "--redirect-uri", "notaurl"],
            "chattz-oauth fake: error: argument --redirect-uri: must be an absolute URL such "
            "as http://127.0.0.1:8000/callback or https://app.example/callback, not 'notaurl' "
            "(redirect_uri must be an absolute https:// URL)",
        ),
        (
            ["fake", "--token-lifetime", "0"],
            "chattz-oauth fake: error: argument --token-lifetime: must be a whole number of "
            "seconds from 1 to 31536000 (a year), such as 3600, not '0'",
        ),
        (
            ["fake", "--client-id", "a b", "--port", "0"],
            "error: bad settings: client_id must be a non-empty string of printable ASCII",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_sentence_before_anything_starts(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad argument: exit 2, one sentence on stderr, nothing printed (nothing started)."""
    assert (2, "", message) == exit_of(argv, capsys)


def test_login_save_into_a_missing_folder_is_refused_before_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--save into a folder that does not exist is refused before the login starts."""
    monkeypatch.setenv("CHATTZ_CLIENT_SECRET", "s")
    target = tmp_path / "missing" / "token.json"
    argv = ["login", "--client-id", "c", "--redirect-uri", "http://127.0.0.1:8765/callback"]
    assert (
        2,
        "",
        f"error: --save {str(target)!r}: the folder {str(target.parent)!r} does not exist",
    ) == exit_of([*argv, "--save", str(target)], capsys)


def test_an_unexpected_failure_is_a_sentence_not_a_class_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug's exception still reads as a sentence that says what to do."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_cli_fake, "FakeServer", broken)
    assert (
        1,
        "error: the command failed unexpectedly (RuntimeError: boom); this is a bug in "
        "chattz_oauth_async, please report it",
    ) == exit_of(["fake", "--port", "0"], capsys)[::2]


LOGIN = ["login", "--client-id", "c", "--redirect-uri", "http://127.0.0.1:8765/callback"]


def test_login_has_no_flag_for_the_secret_itself(capsys: pytest.CaptureFixture[str]) -> None:
    """``--client-secret VALUE`` (what ps would show) is refused, not taken as an
    abbreviation of ``--client-secret-file``."""
    refused = (
        "chattz-oauth login: error: --client-secret is not accepted (every user of the machine "
        "sees a command's flags): set CHATTZ_CLIENT_SECRET or pass --client-secret-file FILE "
        "(- for standard input)"
    )
    assert (2, "", refused) == exit_of([*LOGIN, "--client-secret", "s3cret-value"], capsys)
    assert (2, "", refused) == exit_of([*LOGIN, "--client-secret=s3cret-value"], capsys)


def test_the_client_secret_comes_from_a_file_s_first_line(tmp_path: Path) -> None:
    """The first line, its line end and spaces around it stripped; the rest ignored."""
    path = tmp_path / "secret"
    path.write_text("  the-secret-value \nsecond line\n", encoding="utf-8")
    assert _client_secret(str(path), io.StringIO("from stdin\n")) == "the-secret-value"


def test_the_client_secret_comes_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """``-`` reads the first line of standard input (a pipe, a password manager); typed at a
    terminal, it is asked for without echo (getpass)."""
    asked: list[str] = []

    def typed_at_the_terminal(prompt: str) -> str:
        asked.append(prompt)
        return "typed"

    monkeypatch.setattr(getpass, "getpass", typed_at_the_terminal)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped = _client_secret("-", io.StringIO("piped-secret\n"))
    typed = _client_secret("-", Terminal("never read\n"))
    assert (piped, typed, asked) == ("piped-secret", "typed", ["Chattz client secret: "])


def test_a_byte_order_mark_is_not_part_of_the_secret(tmp_path: Path) -> None:
    """A file saved as UTF-8 with a BOM (some Windows editors): the secret without it."""
    path = tmp_path / "secret"
    path.write_bytes("\ufeffthe-secret\n".encode())
    assert _client_secret(str(path), io.StringIO()) == "the-secret"


def test_without_a_file_the_client_secret_comes_from_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No file: ``$CHATTZ_CLIENT_SECRET``; neither: a usage error naming both."""
    monkeypatch.setenv("CHATTZ_CLIENT_SECRET", "from-the-environment")
    assert _client_secret(None, io.StringIO()) == "from-the-environment"
    monkeypatch.delenv("CHATTZ_CLIENT_SECRET")
    with pytest.raises(CommandError) as missing:
        _client_secret(None, io.StringIO())
    assert (missing.value.status, str(missing.value)) == (
        2,
        "missing --client-secret-file (or the CHATTZ_CLIENT_SECRET environment variable)",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file or directory"),
        (b"\nthe-secret-on-line-2\n", "its first line is empty (the secret goes there)"),
        (b"\xff\xfe-not-utf-8\n", "not UTF-8 text"),
    ],
    ids=["missing", "empty-first-line", "not-text"],
)
def test_an_unusable_secret_file_is_a_usage_error_that_never_shows_its_content(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    """Exit 2 with the file's name and what is wrong, never what it holds."""
    path = tmp_path / "secret"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        _client_secret(str(path), io.StringIO())
    assert (refused.value.status, str(refused.value)) == (
        2,
        f"--client-secret-file {str(path)!r}: {reason}",
    )
