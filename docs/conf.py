"""Sphinx configuration: furo theme, MyST Markdown pages, autodoc from the docstrings.

Build: ``nox -s docs`` or ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

from importlib.metadata import version as _version

from sphinx.application import Sphinx

project = "chattz_oauth_async"
author = "chattz_oauth_async developers"
copyright = "chattz_oauth_async developers"
release = _version("chattz_oauth_async")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build"]

# MyST: ::: fences for directives, header anchors for in-page links like (#errors).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: docstrings are Google style (Napoleon); signatures keep their annotations.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes: sections become fields of the class, not a second copy of each attribute.
napoleon_use_ivar = True

html_theme = "furo"
html_title = f"chattz_oauth_async {release}"
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "source_repository": "https://github.com/chattz-oauth-async/chattz_oauth_async/",
    "source_branch": "main",
    "source_directory": "docs/",
}


def _readable_defaults(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: object,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None]:
    # A default of time.time would otherwise read "<built-in function time>".
    if signature:
        signature = signature.replace("<built-in function time>", "time.time")
    return signature, return_annotation


def setup(app: Sphinx) -> None:
    """Register the signature clean-up."""
    app.connect("autodoc-process-signature", _readable_defaults)
