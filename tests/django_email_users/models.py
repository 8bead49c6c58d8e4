"""The e-mail-keyed user model, as apps that sign people in by e-mail write it."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager  # type: ignore[import-untyped]
from django.db import models  # type: ignore[import-untyped]


class User(AbstractBaseUser):  # type: ignore[misc]
    """A user whose username is the e-mail address (where password resets go)."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    objects = BaseUserManager()
