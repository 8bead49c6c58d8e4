"""Fail unless a pytest log shows the whole collected suite ran and passed.

    python .ci/pytest_complete.py LOG

pytest's exit status already fails on failures, errors and "no tests" (5). This
also catches a run that stops early and still exits 0 (a process replaced or
exited mid-run): the summary line must exist and account for every collected test
(deselected ones, by ``-m``, count as accounted for).

A serial run prints ``collected N items`` (before deselection); a pytest-xdist run
(``-n``) prints ``N workers [M items]`` instead, M being what every worker
collected after deselection (the controller reports no "deselected" count then).
Either way, every test counted must be passed, skipped, xfailed, xpassed or
deselected in the final summary.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def check(log: str) -> str:
    """Return the summary line, or raise SystemExit saying what is wrong."""
    counted = r"^(?:collected (\d+) items?|\d+ workers? \[(\d+) items?\])"
    collected = [serial or xdist for serial, xdist in re.findall(counted, log, flags=re.M)]
    summaries = re.findall(r"^=+ (.*\d+ passed.*) in [\d.]+s.* =+$", log, flags=re.M)
    if not collected or not summaries:
        raise SystemExit(
            "pytest printed no 'collected N items' (nor 'N workers [N items]') or no final summary"
        )
    summary = summaries[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}
    bad = {word: n for word, n in counts.items() if word in ("failed", "error", "errors")}
    if bad:
        raise SystemExit(f"pytest reported {bad}: {summary}")
    accounted = ("passed", "skipped", "xfailed", "xpassed", "deselected")
    done = sum(counts.get(word, 0) for word in accounted)
    if done != int(collected[-1]):
        raise SystemExit(f"pytest collected {collected[-1]} tests but accounted for {done}")
    return summary


if __name__ == "__main__":
    print("complete:", check(Path(sys.argv[1]).read_text(errors="replace")))
