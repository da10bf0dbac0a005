"""Sphinx configuration of Drumbeat's API reference (``make docs``; tests/test_docs.py).

Sphinx rather than mkdocs: the docstrings are Google-style sections (Args, Returns, Raises)
around reST cross-references (``:class:`~simulation.RunResult```, ``:func:``, ``:mod:``), which
autodoc with napoleon reads as written and links; mkdocstrings would show the roles as text.
"""

project = "Drumbeat"
author = "Drumbeat contributors"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
exclude_patterns = ["_build"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"  # the signatures stay short; the types go with each argument
autodoc_default_options = {
    "members": True,
    # pydantic's class attributes, the same on every model
    "exclude-members": "model_config, model_fields, model_computed_fields",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # a class's Attributes section, not a second entry of each attribute
html_theme = "alabaster"
html_title = "Drumbeat API reference"
html_show_sourcelink = False
