"""Load Whoosh (and click) without modules they import for features news-search never calls.

A cold `news-search query` is mostly imports, and Whoosh 2.7.4 (pinned) pays at import
for things only its unused features need:
- whoosh.compat runs `from urllib.request import urlretrieve`, which loads http.client,
  ssl and email (~20 ms), for Whoosh's downloaders, and `from html import escape`,
  which loads html's entity table (~1-2 ms), for Whoosh's highlighter;
- whoosh.query.terms runs `from whoosh.lang.morph_en import variations`, which compiles
  ~1,500 English suffix rules (~7-14 ms), for the `Variations` query (we expand words
  through our own analysis and name variants);
- whoosh.filedb.filetables runs `from hashlib import md5`, and hashlib loads OpenSSL
  (~2.5-3 ms), for the hash tables of Whoosh's own term index (our codec reads its own
  term dictionary: engine/termdict.py);
- whoosh.filedb.filestore imports tempfile (for `TempStorage`) and whoosh.filedb.compound
  `shutil.copyfileobj` (to write compound files), and with shutil come bz2 and lzma
  (~4-5 ms together): reading an index needs neither.
- whoosh.analysis.morph and .analyzers take the Porter stemmer and double metaphone
  (~2-3 ms: the stemmer compiles its rules), as default arguments of filters we do not
  build (our stemming is Snowball: engine/analysis.py);
- whoosh.fields takes `Decimal` (~3-5 ms: the C decimal module), for NUMERIC fields of
  decimals; ours are dates and never decimals. Its stand-in is a class: calling it makes
  a real Decimal, and `isinstance` asks the real class (False while the decimal module is
  not loaded: then no Decimal exists). Only `NUMERIC(numtype=decimal.Decimal)`, whose
  `numtype is Decimal` it fails, would need the real one; news-search builds none;
- whoosh.util and whoosh.classify `import random` (~1 ms), for new segments' names and
  k-means, and whoosh.compat `import queue` (~1 ms), for the multiprocess writer: a
  stand-in whole module, whose attributes are the real module's once the window is over.
And click: click.types runs `import uuid` (~2-3 ms: uuid loads platform and a C module)
for its UUID parameter type, which our commands do not use (`load_click`; `uuid.UUID` is
a stand-in class, as `Decimal` is).
While `load_whoosh()` imports those Whoosh modules, each missing module is a stand-in
whose function imports the real one when first called; the stand-ins are removed at
once, so any later import of one of them gets the real module. Call it before anything
imports Whoosh (search/api.py does, first).
"""
from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import Any

# the Whoosh module that imports them -> (module, the one name it takes from it, or None
# when it takes the module itself), ...
_DEFERRED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "whoosh.fields": (("decimal", "Decimal"),),
    "whoosh.compat": (("urllib.request", "urlretrieve"), ("html", "escape"), ("queue", None)),
    "whoosh.util": (("random", None),),
    "whoosh.analysis.analyzers": (("whoosh.lang.porter", "stem"),),
    "whoosh.analysis.morph": (("whoosh.lang.porter", "stem"),
                              ("whoosh.lang.dmetaphone", "double_metaphone")),
    "whoosh.query": (("whoosh.lang.morph_en", "variations"),),
    "whoosh.filedb.filetables": (("hashlib", "md5"),),
    "whoosh.filedb.filestore": (("tempfile", "gettempdir"),),
    "whoosh.filedb.compound": (("shutil", "copyfileobj"),),
    "whoosh.classify": (("random", None),),  # every search loads it (whoosh.searching)
}
_CLICK_DEFERRED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "click.types": (("uuid", "UUID"),),
}
_CLASSES = {("decimal", "Decimal"), ("uuid", "UUID")}  # names that are classes: stood in for by `_DeferredClass`


def _deferred(module: str, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{module}.{name}`, imported on first call (search/engine/lean.py)."
    return call


class _DeferredClass(type):
    """The type of a stand-in class: a call makes an instance of the real class; `isinstance`
    asks the real class once its module is loaded, and is False before (no instance of it
    can exist yet)."""

    _module: str
    _name: str

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(cls._module), cls._name)(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        real = sys.modules.get(cls._module)
        if real is None or getattr(real, "__lean_stand_in__", False):
            return False
        return isinstance(obj, getattr(real, cls._name))


def _deferred_class(module: str, name: str) -> type:
    return _DeferredClass(name, (), {"_module": module, "_name": name, "__doc__": (
        f"`{module}.{name}`, imported on first use (search/engine/lean.py).")})


def _stand_in(module: str, names: list[str]) -> types.ModuleType:
    """A module whose `names` are deferred functions. Any other attribute, asked for after
    the loading window by a Whoosh module that kept the stand-in (`import tempfile`), is
    the real module's (asked for during the window it is missing, as Python expects)."""
    stand_in = types.ModuleType(module)
    stand_in.__lean_stand_in__ = True  # type: ignore[attr-defined]
    for name in names:
        make = _deferred_class if (module, name) in _CLASSES else _deferred
        setattr(stand_in, name, make(module, name))

    def other(attr: str) -> Any:
        real = import_module(module)
        if real is stand_in or attr.startswith("__"):
            raise AttributeError(f"module {module!r} (deferred by search/engine/lean.py) "
                                 f"has no attribute {attr!r} yet")
        return getattr(real, attr)

    stand_in.__getattr__ = other  # type: ignore[method-assign]
    return stand_in


def load_whoosh() -> None:
    """Import Whoosh's modules that the query path uses, leaving out `_DEFERRED`'s."""
    _load(_DEFERRED)


def load_click() -> None:
    """Import click, leaving out `_CLICK_DEFERRED`'s modules (search/cli/__init__.py)."""
    _load(_CLICK_DEFERRED)


def _load(deferred: dict[str, tuple[tuple[str, str | None], ...]]) -> None:
    """Import `deferred`'s importers with stand-ins for the modules they take.

    The stand-ins are in place while all the importers load (they import one another:
    whoosh.query loads whoosh.filedb.filestore), then removed. An importer already
    loaded is left alone (it has the real modules), and a module already loaded is given
    as itself."""
    wanted = [importer for importer in deferred if importer not in sys.modules]
    names: dict[str, list[str]] = {}
    for importer in wanted:
        for module, name in deferred[importer]:
            if module not in sys.modules:
                taken = names.setdefault(module, [])
                if name is not None and name not in taken:
                    taken.append(name)
    stand_ins = {module: _stand_in(module, taken) for module, taken in names.items()}
    sys.modules.update(stand_ins)
    try:
        for importer in wanted:
            import_module(importer)
    finally:
        for module, stand_in in stand_ins.items():
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]
