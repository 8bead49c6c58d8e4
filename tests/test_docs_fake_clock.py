"""docs/testing.md's test of expiry and refresh on the fake's clock passes as shown.

It runs in a user's fresh pytest (the anyio plugin, warnings as errors), and it
can fail: with the session on the wall clock, the token never looks expired.
"""

from __future__ import annotations

import pytest

from tests.test_docs import block

pytest_plugins = ["pytester"]

ARGS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", "-W", "error")


def test_fake_clock_example_passes(pytester: pytest.Pytester) -> None:
    """The page's test passes, on asyncio and on trio (anyio's plugin runs each one installed)."""
    pytester.makepyfile(test_clock=block("fake-clock").body)
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(passed=2)


def test_fake_clock_example_fails_with_the_session_on_the_wall_clock(
    pytester: pytest.Pytester,
) -> None:
    """Without clock=fake.now, fake.advance() leaves the token unexpired to the session."""
    wall_clock = block("fake-clock").body.replace("fake.session(clock=fake.now)", "fake.session()")
    pytester.makepyfile(test_clock=wall_clock)
    result = pytester.runpytest_subprocess(*ARGS)
    result.assert_outcomes(failed=2)
