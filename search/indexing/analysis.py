"""Old home of the analyzer's classes, kept because indexes name it.

Indexes written before the engine moved to `search/engine/` pickle
`search.indexing.analysis.NewsTokenizer` (and the two filters) into every table of
contents; without these names every such index fails to open. New indexes pickle
`search.engine.analysis.*`. Format contract: search/engine/FORMAT.md.
"""
from ..engine.analysis import NewsNormalizeFilter, NewsStemFilter, NewsTokenizer

__all__ = ["NewsNormalizeFilter", "NewsStemFilter", "NewsTokenizer"]
