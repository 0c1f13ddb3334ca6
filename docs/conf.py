"""Sphinx configuration of coopsim's documentation: MyST Markdown pages, the notebooks in
notebooks/ executed on every build (small runs), and the API reference from the docstrings.

Build: ``.venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html``. Everything
the pages need is on this machine: no intersphinx inventories, no assets from the web.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

# The notebooks read COOPSIM_QUICK: 1 runs every step small, only to check that it works and
# to draw its charts (their text quotes the full-size runs). The kernels inherit it.
os.environ.setdefault("COOPSIM_QUICK", "1")
# Charts in kernels and in the build process are drawn without a display.
os.environ.setdefault("MPLBACKEND", "agg")
# tqdm.auto warns in a kernel without ipywidgets (the pages have no widgets: they would need
# scripts from the web); the warning is about the kernel, not the notebook, so it is left out.
_QUIET = "ignore:IProgress not found:Warning"
if _QUIET not in os.environ.get("PYTHONWARNINGS", ""):
    os.environ["PYTHONWARNINGS"] = ",".join(
        part for part in (os.environ.get("PYTHONWARNINGS"), _QUIET) if part
    )

project = "coopsim"
author = "the coopsim developers"
copyright = "the coopsim developers"
try:
    release = package_version("coopsim")
except PackageNotFoundError:  # building from a clone without installing it
    release = "unknown"
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "coopsim_docs",
]

coopsim_root = str(ROOT)

exclude_patterns = ["_build", ".jupyter_cache", "**/.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
# Unlabelled code blocks (command synopses, printed output) are shown as plain text.
highlight_language = "text"

# --- MyST ---------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
# Curly quotes and ellipses, but no dashes: "--set" in help texts and tables stays "--set".
smartquotes_action = "qe"
# Headings get anchors, so [text](page.md#a-heading) links are checked like pages are.
myst_heading_anchors = 3
# Relative links are cross-references: a link to a page or anchor that does not exist warns,
# and warnings are errors in the test that builds these docs.
myst_all_links_external = False

# --- notebooks (myst-nb) ------------------------------------------------------------------
# Executed on every build, in their own folder (docs/tutorials/ links to notebooks/), so the
# pages show the charts of the code as it is; a cell that raises fails the build.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = False
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# --- API reference (autodoc) ----------------------------------------------------------------
# Docstrings are plain reST with `name` for code; no Napoleon (they are not in Google or NumPy
# style), and `x` renders as code rather than as a reference to be resolved.
default_role = "code"
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "separated"
autodoc_default_options = {"exclude-members": "model_config, model_fields, model_computed_fields"}
add_module_names = False
python_use_unqualified_type_names = True
nitpicky = False

# --- HTML -----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"coopsim {release}"
html_static_path = ["_static"]
html_css_files = ["coopsim.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "navigation_with_keys": True,
}
