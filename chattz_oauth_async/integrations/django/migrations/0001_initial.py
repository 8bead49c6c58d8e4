"""The ``chattz_oauth_async_chattzaccount`` table: one row per linked Chattz account."""

# Django's migration format: class-level lists, as makemigrations writes them.
# ruff: noqa: RUF012

import django.db.models.deletion  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.db import migrations, models
from django.db.migrations.operations.base import Operation  # type: ignore[import-untyped]


class Migration(migrations.Migration):  # type: ignore[misc]
    """Create the ``ChattzAccount`` table."""

    initial: bool = True

    dependencies: list[tuple[str, str]] = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[Operation] = [
        migrations.CreateModel(
            name="ChattzAccount",
            fields=[
                (
                    "chattz_id",
                    models.BigIntegerField(
                        primary_key=True, serialize=False, verbose_name="Chattz id"
                    ),
                ),
                ("username", models.CharField(max_length=150, verbose_name="Chattz username")),
                (
                    "email",
                    models.CharField(
                        blank=True, max_length=254, null=True, verbose_name="e-mail (unverified)"
                    ),
                ),
                (
                    "first_name",
                    models.CharField(
                        blank=True, max_length=150, null=True, verbose_name="first name"
                    ),
                ),
                (
                    "last_name",
                    models.CharField(
                        blank=True, max_length=150, null=True, verbose_name="last name"
                    ),
                ),
                (
                    "avatar",
                    models.CharField(
                        blank=True, max_length=2048, null=True, verbose_name="avatar URL"
                    ),
                ),
                ("linked_at", models.DateTimeField(verbose_name="linked at")),
                ("last_login_at", models.DateTimeField(verbose_name="last login at")),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chattz_accounts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "Chattz account",
                "verbose_name_plural": "Chattz accounts",
                "indexes": [
                    models.Index(fields=["user", "chattz_id"], name="chattzaccount_user_chattz_idx")
                ],
            },
        ),
    ]
