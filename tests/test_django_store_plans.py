"""PostgreSQL: the Django store's per-login statements read one link and one user, however
many links the user has.

A returning login's ``UPDATE`` and the refresh of a link its own user links again look the
link up by its Chattz id and its user. With only the ``user`` foreign key's index, PostgreSQL's
planner picked it on a young table (no statistics yet: both indexes look like one row) and
read every link of the user. Each test here records the statements a real call sends (in a
transaction it rolls back, so that the call's writes are undone), then runs each again under
``EXPLAIN ANALYZE`` in a transaction it rolls back, with the same values, after the user has
:data:`LINKS` links: every scan of the link and user tables must read at most one row, filter
none away, and be no sequential scan. A statement the call sent and the database refused (the
INSERT of a Chattz id linked already) is explained without running it: it must read no table.
Sync only: ``AsyncDjangoStore`` runs these same methods in a thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import django_setup

django_setup.configure()

from django.contrib.auth import get_user_model  # type: ignore[import-untyped]  # noqa: E402
from django.db import connections, transaction  # type: ignore[import-untyped]  # noqa: E402

from chattz_oauth_async import ChattzUser  # noqa: E402
from chattz_oauth_async.accounts import Accounts, Outcome  # noqa: E402
from chattz_oauth_async.integrations.django.models import ChattzAccount  # noqa: E402
from chattz_oauth_async.integrations.django.store import DjangoStore  # noqa: E402
from tests.accounts_helpers import PLAIN, linking  # noqa: E402
from tests.plans import scans, wasteful  # noqa: E402

pytestmark = pytest.mark.postgres

#: How many links the signed-in user has when the plans are read.
LINKS = 120
TABLES = (ChattzAccount._meta.db_table, get_user_model()._meta.db_table)
#: The statements replayed (not SAVEPOINT, RELEASE SAVEPOINT...).
DATA = ("SELECT", "INSERT", "UPDATE", "DELETE")


@pytest.fixture
def alias(postgres_server: Any) -> Iterator[str]:
    """A migrated, empty database alias on a fresh database of the suite's server."""
    with django_setup.postgres_database(postgres_server) as name:
        yield name


def explained(cursor: Any, options: str, statement: str, parameters: Any) -> dict[str, Any]:
    """The root plan node of ``statement`` under ``EXPLAIN (options)``."""
    cursor.execute(f"EXPLAIN ({options}) {statement}", parameters)
    plan = cursor.fetchone()[0]
    # Django's psycopg 3 connections load JSON as text (its JSONField decodes it itself).
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]  # type: ignore[no-any-return]


def plans_of(alias: str, call: Callable[[], object]) -> tuple[int, list[Any]]:
    """How many scans of the store's tables the statements ``call`` sends make, and those
    that read more than they need (:func:`tests.plans.wasteful`), run again under
    ``EXPLAIN ANALYZE`` from the state the call started in, and rolled back."""
    connection = connections[alias]
    sent: list[tuple[str, Any, bool]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        try:
            result = execute(sql, params, many, context)
        except Exception:
            sent.append((sql, params, False))
            raise
        sent.append((sql, params, True))
        return result

    with transaction.atomic(using=alias), connection.execute_wrapper(record):
        call()
        transaction.set_rollback(True, using=alias)
    statements = [entry for entry in sent if entry[0].split(None, 1)[0].upper() in DATA]
    assert statements, "the call sent no statement"
    reads, wrong = 0, list[Any]()
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        for statement, parameters, ran in statements:
            if not ran:  # refused by the database (a conflict): it must read no table
                plan = explained(cursor, "FORMAT JSON", statement, parameters)
                assert [] == list(scans(plan, TABLES)), statement
                continue
            plan = explained(cursor, "ANALYZE, FORMAT JSON", statement, parameters)
            scanned, wasted = wasteful(plan, TABLES)
            reads += scanned
            wrong += wasted
        transaction.set_rollback(True, using=alias)
    return reads, wrong


def chattz(chattz_id: int) -> ChattzUser:
    return ChattzUser(id=chattz_id, username=f"user{chattz_id}")


def linked_user(alias: str) -> tuple[Accounts, str]:
    """Accounts on the store, and a user with :data:`LINKS` links (Chattz ids 1 to LINKS)."""
    accounts = Accounts(DjangoStore(using=alias))
    user_id = accounts.sign_in(chattz(1), login=PLAIN).user_id
    for chattz_id in range(2, LINKS + 1):
        signed_in = accounts.sign_in(
            chattz(chattz_id), login=linking(user_id), signed_in_user_id=user_id
        )
        assert Outcome.LINKED is signed_in.outcome
    return accounts, user_id


def test_a_linking_login_reads_no_link(alias: str) -> None:
    """A signed-in user with 120 links links one more: one INSERT, which reads no table (the
    Django views check the session through Django's own auth, not a ``SessionUser``)."""
    accounts, user_id = linked_user(alias)

    def link() -> None:
        signed_in = accounts.sign_in(
            chattz(LINKS + 1), login=linking(user_id), signed_in_user_id=user_id
        )
        assert Outcome.LINKED is signed_in.outcome

    assert (0, []) == plans_of(alias, link)


def test_a_linking_login_of_a_link_of_ones_own_reads_one_link_and_one_user(alias: str) -> None:
    """A user with 120 links links one of them again: the INSERT is refused, and the full
    path's lookups (the link, its user, the refresh and its read-back) read one row each."""
    accounts, user_id = linked_user(alias)

    def relink() -> None:
        signed_in = accounts.sign_in(chattz(60), login=linking(user_id), signed_in_user_id=user_id)
        assert (Outcome.SIGNED_IN, user_id) == (signed_in.outcome, signed_in.user_id)

    reads, wrong = plans_of(alias, relink)
    assert (reads > 0, wrong) == (True, [])


def test_the_session_check_reads_one_link_and_one_user(alias: str) -> None:
    """``session_account`` (the link a session stands for, and its user) for a user with 120
    links: one link, one user."""
    accounts, user_id = linked_user(alias)

    def check() -> None:
        account = accounts.session_account(user_id, 60)
        assert (user_id, 60) == (account and account.user_id, account and account.profile.chattz_id)

    reads, wrong = plans_of(alias, check)
    assert (reads > 0, wrong) == (True, [])


def test_a_returning_login_of_a_user_with_many_links_reads_one_of_each(alias: str) -> None:
    """A plain returning login of one of the 120 links: the link and its user, then the
    refresh whose ``WHERE`` keeps the link its user's and the user active: one row each."""
    accounts, user_id = linked_user(alias)

    def returning() -> None:
        signed_in = accounts.sign_in(chattz(60), login=PLAIN)
        assert (Outcome.SIGNED_IN, user_id) == (signed_in.outcome, signed_in.user_id)

    reads, wrong = plans_of(alias, returning)
    assert (reads > 0, wrong) == (True, [])
