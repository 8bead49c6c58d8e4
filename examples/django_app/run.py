"""Run the Django example on http://127.0.0.1:8000, against Chattz or a local fake.

Against Chattz (CHATTZ_CLIENT_ID, CHATTZ_CLIENT_SECRET, CHATTZ_REDIRECT_URI and
APP_SECRET_KEY set; the redirect URI registered as http://127.0.0.1:8000/callback)::

    python examples/django_app/run.py

Against the fake provider (no Chattz account needed)::

    python examples/django_app/run.py --fake     # then open http://127.0.0.1:8000/

Either way it first creates or updates the SQLite database (``manage.py migrate``).
"""

import os
import secrets
import sys
from pathlib import Path

from django.core.management import execute_from_command_line

from chattz_oauth_async.testing import FakeChattz

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Serve the example with Django's development server (``--fake``: and a fake Chattz)."""
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chattz_site.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # plain http on this machine
    command = ["manage.py", "runserver", "127.0.0.1:8000", "--noreload"]
    if "--fake" not in sys.argv:
        execute_from_command_line(["manage.py", "migrate", "--verbosity", "0"])
        execute_from_command_line(command)
        return
    fake = FakeChattz()  # its default client's redirect URI is http://127.0.0.1:8000/callback
    with fake.serve() as server:
        os.environ.update(
            CHATTZ_CLIENT_ID=fake.client.client_id,
            CHATTZ_CLIENT_SECRET=fake.client.client_secret,
            CHATTZ_REDIRECT_URI=fake.client.redirect_uri,
            CHATTZ_BASE_URL=server.base_url,
        )
        os.environ.setdefault("APP_SECRET_KEY", secrets.token_urlsafe(32))
        print(f"fake Chattz at {server.base_url}; open http://127.0.0.1:8000/")
        execute_from_command_line(["manage.py", "migrate", "--verbosity", "0"])
        execute_from_command_line(command)


if __name__ == "__main__":
    main()
