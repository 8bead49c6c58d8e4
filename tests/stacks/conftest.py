"""What tests/stacks collects: the Django stacks only in their own run, the others when their
host packages are installed (the tests dependency group installs them all).

``tests/stacks/allauth`` and ``tests/stacks/social_django`` need Django settings of their own:
``tests/test_stacks_django.py`` runs each in a pytest with ``DJANGO_SETTINGS_MODULE`` set. A
test file whose host is missing is left out here, so the files themselves read as a project
would write them; ``tests/test_stacks_django.py`` reports the missing host as a skip, and
under CI this fails at once instead.
"""

from __future__ import annotations

import importlib.util

from tests.stacks import HOSTS, in_ci

_settings = __import__("os").environ.get("DJANGO_SETTINGS_MODULE", "")

collect_ignore = [
    folder
    for folder in ("allauth", "social_django")
    if _settings != f"tests.stacks.{folder}.settings"
]

for _file, _modules in HOSTS.items():
    _missing = [name for name in _modules if importlib.util.find_spec(name) is None]
    if _missing and in_ci():
        raise RuntimeError(f"tests/stacks/{_file} must run in CI: install {', '.join(_missing)}")
    if _missing:
        collect_ignore.append(_file)
