"""Oracle tests: the product's writer and engine against a plainly written reference.

What matches is Whoosh's own searcher's answer (terms, AND/OR/NOT, phrases, ranges,
prefixes, fuzzy words); every score and every page is the reference scorer's
(tests/search_fixtures.py). The indexes are written by the product (tests/helpers.py),
so the format searched is the format shipped: NewsCodec segments read through the term
dictionary blocks of search/engine/.
"""
