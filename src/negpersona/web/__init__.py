"""The web layer: ``negpersona serve``'s REST API and dashboard over one personas folder.

A thin shell like the CLI: every answer comes from the library (``apply``, ``present``,
``monitor``). See :func:`create_app`.
"""

from negpersona.web.app import create_app

__all__ = ["create_app"]
