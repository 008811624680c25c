"""`python -m search.cli`: the same as the `news-search` command (used by tests' subprocesses)."""
from ..program import run

run()
