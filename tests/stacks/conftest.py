"""The Django stacks' folders are collected only by their own pytest run (see __init__.py)."""

from __future__ import annotations

import os

_SETTINGS = os.environ.get("DJANGO_SETTINGS_MODULE", "")

collect_ignore = [
    folder
    for folder in ("allauth", "social_django")
    if _SETTINGS != f"tests.stacks.{folder}.settings"
]
