"""DjangoStore with a user model keyed on the e-mail: the Chattz username never goes there.

Django fixes ``AUTH_USER_MODEL`` when it starts, so each test runs a Python of
its own with settings that install ``tests.django_email_users`` (a model whose
``USERNAME_FIELD`` is its ``EmailField``) and the accounts app on an in-memory
SQLite database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "tests.django_email_users", "chattz_oauth_async.integrations.django"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    AUTH_USER_MODEL="django_email_users.User", USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from chattz_oauth_async import ChattzUser
from tests.accounts_helpers import PLAIN
from chattz_oauth_async.accounts import Accounts
from chattz_oauth_async.integrations.django.store import DjangoStore

store = DjangoStore()
accounts = Accounts(store)
get_user_model().objects.create(email="chattz-7@chattz.invalid")  # taken: the next one is used
signed = [
    accounts.sign_in(
        ChattzUser(id=666, username="ceo@victim.example", email="a@evil.example"), login=PLAIN
    ),
    accounts.sign_in(ChattzUser(id=7, username="seven"), login=PLAIN),
    accounts.sign_in(ChattzUser(id=666, username="ceo@victim.example"), login=PLAIN),
]
print(json.dumps({
    "emails": [store.user(s.user_id).email for s in signed],
    "outcomes": [s.outcome.value for s in signed],
    "reset_finds": len(list(PasswordResetForm().get_users("ceo@victim.example"))),
    "usable_password": store.user(signed[0].user_id).has_usable_password(),
}))
"""


def test_email_keyed_user_model_gets_an_undeliverable_address_not_the_chattz_username() -> None:
    """Chattz username 'ceo@victim.example': the user is chattz-666@chattz.invalid, no reset."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert 0 == out.returncode, out.stderr
    assert {
        "emails": [
            "chattz-666@chattz.invalid",
            "chattz-7-1@chattz.invalid",
            "chattz-666@chattz.invalid",
        ],
        "outcomes": ["created", "created", "signed_in"],
        "reset_finds": 0,
        "usable_password": False,
    } == json.loads(out.stdout)
