"""An async worker that acts for a user with a saved token.

It loads a token saved with ``json.dumps(token.to_dict())``, checks its
expiry, and calls userinfo. When the token has a refresh token it goes
through :class:`~chattz_oauth_async.AsyncTokenHolder`, which refreshes it when
needed and writes the new token back to the file (readable by the owner
only: it holds secrets). Without one, an expired token means the user must
log in again.

Run::

    export CHATTZ_CLIENT_ID=... CHATTZ_CLIENT_SECRET=...   # a worker needs no redirect URI
    python worker.py token.json       # this file, saved as worker.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio

from chattz_oauth_async import AsyncChattzOAuth, AsyncTokenHolder, ChattzUser, Token


class LoginNeeded(Exception):
    """The saved token expired and cannot be refreshed."""


def save_token(path: Path, token: Token) -> None:
    """Write the token atomically, readable by the owner only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(token.to_dict(), file)
    os.replace(tmp, path)


async def run(chattz: AsyncChattzOAuth, path: Path) -> ChattzUser:
    """Load the token at ``path`` and fetch its user, refreshing if it can.

    Raises:
        LoginNeeded: Expired without a refresh token.
        ChattzOAuthError: The provider refused or could not be reached.
    """
    token = Token.from_dict(json.loads(await anyio.Path(path).read_text()))
    if token.refresh_token:

        async def on_update(new: Token) -> None:
            await anyio.to_thread.run_sync(save_token, path, new)

        holder = AsyncTokenHolder(chattz, token, on_update=on_update)
        return await holder.userinfo()
    if token.is_expired(chattz.clock()):
        raise LoginNeeded("the saved token has expired and has no refresh token: log in again")
    return await chattz.userinfo(token)


async def main(path: str) -> None:
    """Run once with a session from the environment."""
    async with AsyncChattzOAuth.from_env() as chattz:
        try:
            user = await run(chattz, Path(path))
        except LoginNeeded as exc:
            sys.exit(str(exc))
    print(f"token works for {user.username} (id {user.id})")


if __name__ == "__main__":
    anyio.run(main, sys.argv[1] if len(sys.argv) > 1 else "token.json")
