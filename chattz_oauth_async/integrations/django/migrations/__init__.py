"""The Django app's migrations: the ``ChattzAccount`` table."""
