"""`python -m search`: the `news-search` command (search/program.py)."""
from .program import run

run()
