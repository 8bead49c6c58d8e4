"""What a missing sniffio costs: an interpreter without it, and httpcore's per-lock lookup.

httpcore 1.0.9 asks which async library runs each time it sets up a lock, an
event, a semaphore or a cancellation shield (several times per request) with
``import sniffio`` inside the function. httpx and anyio no longer install
sniffio, and a failed import is not cached: without sniffio every lookup walks
the import path again. :func:`python_without_sniffio` builds an interpreter
that sees every package of the running one except sniffio (a throwaway venv
whose site-packages links to this one's entries), so the same code can be
measured both ways; ``weblogin.py`` runs the FastAPI example in it as the
"sniffio not installed" contender.

``python benchmarks/sniffio_cost.py`` prints µs per lookup with and without it, and how
many lookups one login makes (the library's code exchange and userinfo call over the served
fake, on asyncio).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

PROBE = """
import asyncio, time
from httpcore._synchronization import current_async_library

async def main():
    for _ in range(200):
        current_async_library()
    best = float("inf")
    for _ in range(7):
        began = time.perf_counter()
        for _ in range({n}):
            current_async_library()
        best = min(best, time.perf_counter() - began)
    print(best / {n} * 1e6)

asyncio.run(main())
"""


COUNT = """
import asyncio
import httpcore._synchronization as synchronization
from chattz_oauth_async.testing import FakeChattz

calls = 0
lookup = synchronization.current_async_library

def counted():
    global calls
    calls += 1
    return lookup()

synchronization.current_async_library = counted
fake = FakeChattz(auto_approve=True)

async def main():
    global calls
    with fake.serve():
        async with fake.session(real_http=True) as chattz:
            for number in range({warm} + {n}):
                if number == {warm}:
                    calls = 0
                login = chattz.start_login()
                token = await chattz.complete_login(fake.authorize(login.url), login)
                await chattz.userinfo(token)
    print(calls / {n})

asyncio.run(main())
"""


def lookups_per_login(n: int = 20) -> float:
    """httpcore's lookups per login (code exchange + userinfo over the served fake, warm)."""
    out = subprocess.run(
        [sys.executable, "-c", COUNT.format(warm=3, n=n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def sniffio_installed() -> bool:
    """Whether the running interpreter can import sniffio."""
    return importlib.util.find_spec("sniffio") is not None


def python_without_sniffio(folder: Path) -> str:
    """An interpreter in ``folder`` with this one's packages except sniffio; its path."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = Path(
        sysconfig.get_paths(vars={"base": str(folder), "platbase": str(folder)})["purelib"]
    )
    for entry in ours.iterdir():
        if not entry.name.lower().startswith("sniffio"):
            (theirs / entry.name).symlink_to(entry)
    python = str(folder / "bin" / "python")
    check = subprocess.run(
        [python, "-c", "import importlib.util as u; print(u.find_spec('sniffio') is None)"],
        capture_output=True,
        text=True,
        check=True,
    )
    if check.stdout.strip() != "True":
        raise RuntimeError(f"sniffio is still importable from {python}")
    return python


def lookup_us(python: str, n: int = 20_000) -> float:
    """µs per ``httpcore._synchronization.current_async_library()`` call on asyncio (best of 7)."""
    out = subprocess.run(
        [python, "-c", PROBE.format(n=n)], capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def main() -> int:
    if not sniffio_installed():
        print("sniffio is not installed here: nothing to compare (pip install sniffio)")
        return 0
    with tempfile.TemporaryDirectory(prefix="chattz-bench-") as folder:
        without = python_without_sniffio(Path(folder) / "venv")
        print("| httpcore's async-library lookup | µs per call |\n|---|---:|")
        print(f"| sniffio installed | {lookup_us(sys.executable):.2f} |")
        print(f"| sniffio not installed (the import fails each time) | {lookup_us(without):.2f} |")
    print(f"\nLookups per login (code exchange + userinfo, served fake): {lookups_per_login():g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
