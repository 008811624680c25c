"""Load Whoosh without two modules it imports for features news-search never calls.

A cold `news-search query` is mostly imports, and Whoosh 2.7.4 (pinned) pays at import
for two things only its unused features need:
- whoosh.compat runs `from urllib.request import urlretrieve`, which loads http.client,
  ssl and email (~20 ms), for Whoosh's downloaders;
- whoosh.query.terms runs `from whoosh.lang.morph_en import variations`, which compiles
  ~1,500 English suffix rules (~7-14 ms), for the `Variations` query (we expand words
  through our own analysis and name variants).
While `load_whoosh()` imports those two Whoosh modules, each missing module is a
stand-in whose function imports the real one when first called; the stand-ins are
removed at once, so any later `import urllib.request` or `whoosh.lang.morph_en` gets
the real module. Call it before anything imports Whoosh (search/api.py does, first).
"""
from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import Any

# module -> (the module that imports it, the one name it takes from it)
_DEFERRED = (
    ("urllib.request", "whoosh.compat", "urlretrieve"),
    ("whoosh.lang.morph_en", "whoosh.query", "variations"),
)


def _deferred(module: str, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{module}.{name}`, imported on first call (search/engine/lean.py)."
    return call


def load_whoosh() -> None:
    """Import Whoosh's modules that the query path uses, leaving out `_DEFERRED`.
    Does nothing for a module already loaded (its importer then already has the real one)."""
    for module, importer, name in _DEFERRED:
        if importer in sys.modules or module in sys.modules:
            continue
        stand_in = types.ModuleType(module)
        setattr(stand_in, name, _deferred(module, name))
        sys.modules[module] = stand_in
        try:
            import_module(importer)
        finally:
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]
