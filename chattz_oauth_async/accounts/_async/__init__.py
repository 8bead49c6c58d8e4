"""The accounts' async code: the engine and the SQLAlchemy store.

``accounts/_sync/`` is generated from it by ``scripts/gen_sync.py``; public
names come from :mod:`chattz_oauth_async.accounts` and
:mod:`chattz_oauth_async.accounts.sqlalchemy`.
"""
