"""Query text -> Whoosh query, and what surrounds a search: facets, snippets, suggestions.

One job per module: `lexer` (text -> tokens), `parser` (tokens -> whoosh.query),
`dates` (absolute and relative dates), `variants` (name spellings), `docsets`
(every match, by set algebra), `ranking` (the page, by Whoosh's scorer), `facets`,
`snippets`, `suggest`, `cache` (what lives as long as one searcher).
`search.api.NewsIndex` ties them together.
"""
