"""Fail when pyright's type completeness of the package falls under a threshold.

    python scripts/type_completeness.py            # 100%
    python scripts/type_completeness.py --min 99.5 # at least 99.5%

Runs ``pyright --verifytypes chattz_oauth_async --ignoreexternal --outputjson``
(pyright from the ``typing`` dependency group: the PyPI wheel, which bundles
pyright itself, with its ``nodejs`` extra, so nothing is fetched at run time),
prints the score, the counts and every exported symbol whose type is not
known, and exits 1 under the threshold.

Django and django-allauth ship no type information, and ``--verifytypes``
never infers types from a library's code (pyright#3915), so the Django and
allauth integrations' base classes would count as unknown. The stubs of the
``pyright-stubs`` group (django-types) are installed into a temporary folder,
and ``scripts/pyright_stubs`` (partial allauth stubs) is added, on the search
path of this pyright run only (``PYTHONPATH``): mypy, which checks Django's
and allauth's imports as untyped, never sees them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Partial stubs of the allauth names the django-allauth integration uses (see its README).
LOCAL_STUBS = ROOT / "scripts" / "pyright_stubs"
PACKAGE = "chattz_oauth_async"
DEFAULT_MINIMUM = 100.0


def stub_requirements() -> list[str]:
    """The ``pyright-stubs`` dependency group of pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        groups = tomllib.load(file)["dependency-groups"]
    return [str(requirement) for requirement in groups["pyright-stubs"]]


def verify_types(stubs: Path) -> dict[str, object]:
    """pyright's --verifytypes report (its JSON), with ``stubs`` on the search path."""
    env = dict(os.environ)
    # ROOT first: the package checked is this checkout's, whichever one the venv installed.
    paths = [str(ROOT), str(stubs), str(LOCAL_STUBS), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    # pyright asks the `python` on PATH for the installed packages: make it this one, venv
    # activated or not (else social-core's and httpx-oauth's base classes read as unknown).
    env["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable), env.get("PATH")]))
    # No "a newer pyright exists" check against PyPI on each run.
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"
    command = [sys.executable, "-m", "pyright", "--verifytypes", PACKAGE]
    command += ["--ignoreexternal", "--outputjson"]
    # pyright exits 1 when any symbol is incomplete: the score decides here.
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        report: dict[str, object] = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"pyright gave no report (exit status {result.returncode})") from None
    return report


def collect_report() -> dict[str, object]:
    """Install the ``pyright-stubs`` group into a temporary folder and run pyright with it."""
    with tempfile.TemporaryDirectory(prefix="pyright-stubs-") as stubs:
        install = [sys.executable, "-m", "pip", "install", "--quiet", "--target", stubs]
        install += ["--disable-pip-version-check", *stub_requirements()]
        installed = subprocess.run(install, capture_output=True, text=True)
        if installed.returncode:
            sys.stderr.write(installed.stdout + installed.stderr)
            raise SystemExit("could not install the pyright-stubs dependency group")
        return verify_types(Path(stubs))


def summarize(report: dict[str, object]) -> tuple[float, list[str]]:
    """The score in percent, and one line per exported symbol whose type is not known."""
    completeness = report["typeCompleteness"]
    assert isinstance(completeness, dict)
    counts = completeness["exportedSymbolCounts"]
    lines = [
        f"exported symbols: {sum(counts.values())} ({counts['withKnownType']} known, "
        f"{counts['withAmbiguousType']} ambiguous, {counts['withUnknownType']} unknown)"
    ]
    for symbol in completeness["symbols"]:
        if symbol["isExported"] and not symbol["isTypeKnown"]:
            kind = "ambiguous" if symbol["isTypeAmbiguous"] else "unknown"
            first = next(iter(symbol["diagnostics"]), {"message": ""})["message"]
            reason = first.replace("\xa0", " ").splitlines()[0] if first else ""
            lines.append(f"  {kind}: {symbol['name']}: {reason}".rstrip(": "))
    return 100 * float(completeness["completenessScore"]), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--min",
        type=float,
        default=DEFAULT_MINIMUM,
        help=f"the lowest passing score, in percent (default {DEFAULT_MINIMUM:g})",
    )
    args = parser.parse_args(argv)
    score, lines = summarize(collect_report())
    print("\n".join(lines))
    print(f"type completeness of {PACKAGE}: {score:.2f}% (minimum {args.min:g}%)")
    if score < args.min:
        print(f"FAILED: {score:.2f}% is under {args.min:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
