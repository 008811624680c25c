"""The names of an article's fields in the index and of the facets over them: one definition.

schema.py builds the Whoosh schema under these names (tests/test_fields.py holds the
two together); the query parser, the suggester, the facets and the command line's
choices import them from here. This module imports nothing, so the CLI can build
`--facet`'s choices at start without loading Whoosh (~65 ms, query_cmd.py).
"""
from __future__ import annotations

# The article's text: what a query word without `field:` searches, scored with one
# document frequency across both (engine/evaluate.py), and did-you-mean's vocabulary.
CONTENT_FIELDS = ("headline", "body")
# Whole values, lower-cased, one column each: filters (`source:rferl`) and facets.
KEYWORD_FIELDS = ("source", "section", "tags", "language")
LIST_FIELDS = ("tags",)  # several values an article, comma-separated
DATE_FIELD = "published"  # naive UTC; undated articles have none

# Facets: a keyword field's values, or the date field by period ("published:month").
DATE_FACET_PERIODS = ("year", "month", "week", "day")
DATE_FACETS = {f"{DATE_FIELD}:{period}": period for period in DATE_FACET_PERIODS}
VALUE_FACETS = tuple(f for f in KEYWORD_FIELDS if f not in LIST_FIELDS)  # one value each
FACET_NAMES = VALUE_FACETS + LIST_FIELDS + tuple(DATE_FACETS)
