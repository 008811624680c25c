"""search/engine/lean.py: the API loads Whoosh without urllib.request, html, hashlib,
tempfile, shutil, random, queue, decimal, morph_en, Porter and double metaphone, and all still work when something asks for them. Fresh interpreters (real processes): what
a module import loads is only visible in a process that had not loaded it yet."""
from __future__ import annotations

import subprocess
import sys

from search_fixtures import SAMPLE_CORPUS

DEFERRED = ("urllib.request", "http.client", "ssl", "whoosh.lang.morph_en", "html", "hashlib",
            "_hashlib", "tempfile", "shutil", "bz2", "lzma", "random", "queue",
            "whoosh.lang.porter", "whoosh.lang.dmetaphone", "decimal", "_decimal")


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
        "import whoosh.compat, whoosh.query.terms, whoosh.filedb.filetables as ft\n"
        "print(whoosh.compat.urlretrieve.__module__, whoosh.query.terms.variations.__module__,\n"
        "      whoosh.compat.htmlescape.__module__, ft.md5.__module__)\n")
    total, loaded, owners = _run(code, index_dir)
    assert total == "2"
    assert loaded == "[]"
    assert owners == " ".join(["search.engine.lean"] * 4)  # the stand-ins' functions


def test_the_deferred_functions_and_modules_are_the_real_ones_when_used():
    code = (
        "import sys\nimport search.api\nimport whoosh.compat\nfrom whoosh import query\n"
        "print(sorted(query.terms.variations('walking'))[:3])\n"
        "import urllib.request, whoosh.lang.morph_en\n"
        "print(hasattr(urllib.request, 'urlopen'), whoosh.lang.morph_en.variations.__module__)\n"
        "print(callable(whoosh.compat.urlretrieve))\n"
        "from whoosh.filedb import filetables\nimport hashlib, html\n"
        "print(filetables.md5_hash(b'oil') == int(hashlib.md5(b'oil').hexdigest(), 16) & 0xffffffff,\n"
        "      whoosh.compat.htmlescape('<b>'), html.unescape('&amp;'))\n")
    variants, real, callable_, used = _run(code)
    assert variants == "['walk', 'walking', 'walkinged']"  # Whoosh's English suffix rules
    assert real == "True whoosh.lang.morph_en"  # later imports get the real modules
    assert callable_ == "True"
    assert used == "True &lt;b&gt; &"  # Whoosh's hash tables and escaping, through the real ones


def test_porter_metaphone_random_and_queue_work_through_whoosh_when_used():
    code = (
        "import search.api\nfrom whoosh.analysis import StemmingAnalyzer, DoubleMetaphoneFilter\n"
        "from whoosh.analysis import RegexTokenizer\nfrom whoosh import util, compat, classify\n"
        "print([t.text for t in StemmingAnalyzer()('planned walking')])\n"
        "print([t.text for t in (RegexTokenizer() | DoubleMetaphoneFilter())('Smith')])\n"
        "print(len(util.random_name(12)), compat.queue.Queue().empty(),\n"
        "      sorted(classify.random.sample(range(5), 5)))\n")
    stems, metaphone, rest = _run(code)
    assert stems == "['plann', 'walk']"  # Whoosh's Porter stemmer (its "plann"), loaded on use
    assert metaphone == "['SM0', 'XMT']"
    assert rest == "12 True [0, 1, 2, 3, 4]"


def test_whoosh_fields_decimal_stand_in_acts_as_the_class():
    """`isinstance` is False while no Decimal can exist, then asks the real class; a call
    makes a real Decimal, so a NUMERIC field of decimals indexes as with the real one."""
    code = (
        "import search.api\nfrom whoosh import fields\n"
        "print(isinstance(1.5, fields.Decimal), isinstance('1.5', fields.Decimal))\n"
        "import decimal\n"
        "print(isinstance(decimal.Decimal('1.5'), fields.Decimal), isinstance(1.5, fields.Decimal),\n"
        "      type(fields.Decimal('2.5')) is decimal.Decimal)\n"
        "f = fields.NUMERIC(decimal_places=2)\n"
        "print(f.to_bytes(decimal.Decimal('1.25')) == f.to_bytes('1.25'),\n"
        "      f.from_bytes(f.to_bytes(decimal.Decimal('1.25'))))\n")
    assert _run(code) == ["False False", "True False True", "True 1.25"]


def test_click_loads_without_uuid_and_its_uuid_type_still_works():
    code = (
        "import sys\nimport search.cli, click\n"
        "print('uuid' in sys.modules, 'platform' in sys.modules)\n"
        "value = click.UUID.convert('12345678-1234-5678-1234-567812345678', None, None)\n"
        "import uuid\n"
        "print(type(value) is uuid.UUID, click.UUID.convert(value, None, None) is value)\n")
    assert _run(code) == ["False False", "True True"]


def test_a_whoosh_module_that_kept_a_stand_in_reaches_the_real_module():
    """whoosh.filedb.filestore ran `import tempfile` in the window: it holds the stand-in,
    whose other attributes are the real module's once loaded."""
    code = (
        "import search.api\nfrom whoosh.filedb import filestore\nimport tempfile\n"
        "print(filestore.tempfile is tempfile, filestore.tempfile.mkdtemp is tempfile.mkdtemp,\n"
        "      filestore.tempfile.gettempdir() == tempfile.gettempdir())\n"
        "from whoosh.filedb.filestore import RamStorage\nst = RamStorage()\n"
        "print(type(st.temp_storage()).__name__)\n")
    assert _run(code) == ["False True True", "FileStorage"]


def test_loading_twice_or_after_whoosh_changes_nothing():
    code = (
        "import sys\nimport whoosh.query, urllib.request\n"
        "from search.engine.lean import load_whoosh\nload_whoosh(); load_whoosh()\n"
        "import whoosh.compat\nprint(whoosh.compat.urlretrieve is urllib.request.urlretrieve)\n")
    assert _run(code) == ["True"]


def test_a_module_already_loaded_is_given_as_itself():
    """html loaded before Whoosh: whoosh.compat gets the real escape, urllib still deferred."""
    code = (
        "import sys, html\nfrom search.engine.lean import load_whoosh\nload_whoosh()\n"
        "import whoosh.compat\nprint(whoosh.compat.htmlescape is html.escape,\n"
        "      whoosh.compat.urlretrieve.__module__, 'urllib.request' in sys.modules)\n")
    assert _run(code) == ["True search.engine.lean False"]
