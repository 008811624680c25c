"""search/engine/lean.py: the API loads Whoosh without urllib.request and morph_en, and
both still work when something asks for them. Fresh interpreters (real processes): what
a module import loads is only visible in a process that had not loaded it yet."""
from __future__ import annotations

import subprocess
import sys

from search_fixtures import SAMPLE_CORPUS

DEFERRED = ("urllib.request", "http.client", "ssl", "whoosh.lang.morph_en")


def _run(code: str, *args: str) -> list[str]:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().splitlines()


def test_importing_the_api_and_searching_loads_none_of_the_deferred_modules(tmp_path):
    index_dir = str(tmp_path / "ix")
    _run("import sys\nfrom search.api import NewsIndex\n"
         "NewsIndex.open(sys.argv[1], create=True).index(sys.argv[2])", index_dir, str(SAMPLE_CORPUS))
    code = (  # a search in a fresh process, as a cold `news-search query` is
        "import sys\nfrom search.api import NewsIndex\n"
        "with NewsIndex.open(sys.argv[1]) as ix:\n"
        "    print(ix.search('Kyiv').total)\n"
        f"print(sorted(m for m in {DEFERRED!r} if m in sys.modules))\n"
        "import whoosh.compat, whoosh.query.terms\n"
        "print(whoosh.compat.urlretrieve.__module__, whoosh.query.terms.variations.__module__)\n")
    total, loaded, owners = _run(code, index_dir)
    assert total == "2"
    assert loaded == "[]"
    assert owners == "search.engine.lean search.engine.lean"  # the stand-ins' functions


def test_the_deferred_functions_and_modules_are_the_real_ones_when_used():
    code = (
        "import sys\nimport search.api\nimport whoosh.compat\nfrom whoosh import query\n"
        "print(sorted(query.terms.variations('walking'))[:3])\n"
        "import urllib.request, whoosh.lang.morph_en\n"
        "print(hasattr(urllib.request, 'urlopen'), whoosh.lang.morph_en.variations.__module__)\n"
        "print(callable(whoosh.compat.urlretrieve))\n")
    variants, real, callable_ = _run(code)
    assert variants == "['walk', 'walking', 'walkinged']"  # Whoosh's English suffix rules
    assert real == "True whoosh.lang.morph_en"  # later imports get the real modules
    assert callable_ == "True"


def test_loading_twice_or_after_whoosh_changes_nothing():
    code = (
        "import sys\nimport whoosh.query, urllib.request\n"
        "from search.engine.lean import load_whoosh\nload_whoosh(); load_whoosh()\n"
        "import whoosh.compat\nprint(whoosh.compat.urlretrieve is urllib.request.urlretrieve)\n")
    assert _run(code) == ["True"]
