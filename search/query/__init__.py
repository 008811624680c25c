"""Query text -> Whoosh query, and what surrounds a search: facets, snippets, suggestions.

One job per module: `lexer` (text -> tokens), `parser` (tokens -> whoosh.query),
`dates` (absolute and relative dates), `variants` (name spellings), `engine`
(every match and its BM25F score, as whole-index arrays), `facets`,
`snippets`, `suggest`, `cache` (what lives as long as one searcher).
`search.api.NewsIndex` ties them together.
"""
