"""The fence around Whoosh's internals: only search/engine/ may touch them.

Whoosh is pinned (2.7.4) and we extend it below its public API (codec, term dictionary,
matchers, the segment writer). That code must change together when Whoosh or our format
changes, so it lives in one package; everything else uses Whoosh's public modules only.
A private name used elsewhere (say `reader._perdoc` in the API) is a second, unlisted
place that breaks silently: this test names it, with the file and line.
"""
from __future__ import annotations

import re
from pathlib import Path

import whoosh

PACKAGE = Path(__file__).resolve().parent.parent / "search"
WING = PACKAGE / "engine"
# Whoosh's public modules, the ones its documentation teaches.
PUBLIC_MODULES = {"whoosh", "whoosh.query", "whoosh.query.spans", "whoosh.fields",
                  "whoosh.index"}
# A private name is defined as `def _x(`, `self._x =` or `_x = ` / `_x: ` at a line start.
_DEFINED = re.compile(r"(?:def |self\.|^\s*)(_[A-Za-z]\w*)\s*(?:\(|=|:)", re.M)
_ACCESS = re.compile(r"\.(_[A-Za-z]\w*)\b")
_IMPORT = re.compile(r"^\s*(?:from\s+(whoosh[\w.]*)\s+import\s+([^\n#]+)|import\s+(whoosh[\w.]*))",
                     re.M)


def _defined_names(files: list[Path]) -> set[str]:
    names: set[str] = set()
    for f in files:
        names |= set(_DEFINED.findall(f.read_text("utf-8", "replace")))
    return {n for n in names if not n.startswith("__")}


def _outside_the_wing() -> list[Path]:
    return sorted(f for f in PACKAGE.rglob("*.py") if WING not in f.parents)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def test_the_wing_exists_with_its_format_contract():
    for part in ("analysis", "codec", "termdict", "storedblocks", "postings", "mapped",
                 "segwriter", "evaluate"):
        assert (WING / f"{part}.py").is_file(), part
    assert (WING / "FORMAT.md").is_file()


def test_no_private_whoosh_name_is_used_outside_the_engine():
    whoosh_private = _defined_names(list(Path(whoosh.__file__).parent.rglob("*.py")))
    assert len(whoosh_private) > 300  # the scan itself works: Whoosh has ~470
    outside = _outside_the_wing()
    # Our own classes outside the wing may have private names that Whoosh also uses
    # (`_lock`); those are ours, not Whoosh's.
    ours = _defined_names(outside)
    found = []
    for f in outside:
        text = f.read_text("utf-8")
        for m in _ACCESS.finditer(text):
            if m.group(1) in whoosh_private and m.group(1) not in ours:
                found.append(f"{f.relative_to(PACKAGE.parent)}:{_line(text, m.start())}: "
                              f"{m.group(1)}")
    assert not found, "Whoosh's private names outside search/engine/:\n" + "\n".join(found)


def test_only_public_whoosh_modules_are_imported_outside_the_engine():
    found = []
    for f in _outside_the_wing():
        text = f.read_text("utf-8")
        for m in _IMPORT.finditer(text):
            module = m.group(1) or m.group(3)
            names = [n.strip().split(" as ")[0] for n in (m.group(2) or "").split(",")]
            if module not in PUBLIC_MODULES or any(n.startswith("_") for n in names):
                found.append(f"{f.relative_to(PACKAGE.parent)}:{_line(text, m.start())}: "
                             f"{m.group(0).strip()}")
    assert not found, "internal Whoosh imports outside search/engine/:\n" + "\n".join(found)


def test_the_scan_finds_a_private_name_where_one_is_used(tmp_path):
    """The two checks above pass on a clean tree; this shows they would fail on a dirty one."""
    text = "def f(reader):\n    return reader._perdoc\nfrom whoosh.codec.whoosh3 import W3Codec\n"
    whoosh_private = _defined_names(list(Path(whoosh.__file__).parent.rglob("*.py")))
    assert [m.group(1) for m in _ACCESS.finditer(text) if m.group(1) in whoosh_private] \
        == ["_perdoc"]
    assert [m.group(1) for m in _IMPORT.finditer(text)] == ["whoosh.codec.whoosh3"]
