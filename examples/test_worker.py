"""Tests of worker.py (save both files in one folder, then run ``python -m pytest``).

The fake provider stands in for Chattz, in process; the session reads the
fake's clock, so ``fake.advance()`` expires the saved token for the worker too.
"""

import json

import pytest
import worker

from chattz_oauth_async.testing import FakeChattz


async def saved_login(fake, chattz, path):
    """Sign in through the fake and save the token as ``login --save`` does."""
    login = chattz.start_login()
    token = await chattz.complete_login(fake.authorize(login.url), login)
    path.write_text(json.dumps(token.to_dict()))
    return token


@pytest.mark.anyio
async def test_a_valid_token_reads_the_user(tmp_path):
    fake = FakeChattz()
    async with fake.session(clock=fake.now) as chattz:
        await saved_login(fake, chattz, tmp_path / "token.json")
        user = await worker.run(chattz, tmp_path / "token.json")
    assert user.username == "johndoe"


@pytest.mark.anyio
async def test_an_expired_token_is_refreshed_and_the_new_one_saved(tmp_path):
    fake = FakeChattz(issue_refresh_tokens=True, token_lifetime=60)
    async with fake.session(clock=fake.now) as chattz:
        old = await saved_login(fake, chattz, tmp_path / "token.json")
        fake.advance(61)  # the token has expired
        user = await worker.run(chattz, tmp_path / "token.json")
    saved = json.loads((tmp_path / "token.json").read_text())
    assert (user.username, saved["refresh_token"] != old.refresh_token) == ("johndoe", True)


@pytest.mark.anyio
async def test_an_expired_token_without_refresh_token_needs_a_login(tmp_path):
    fake = FakeChattz(token_lifetime=60)  # no refresh tokens
    async with fake.session(clock=fake.now) as chattz:
        await saved_login(fake, chattz, tmp_path / "token.json")
        fake.advance(61)
        with pytest.raises(worker.LoginNeeded):
            await worker.run(chattz, tmp_path / "token.json")
