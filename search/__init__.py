"""news-search: full-text search for news archives, on Whoosh.

Data flows one way: `search.ingest` (files -> Article) -> `search.indexing`
(Article -> Whoosh index) -> `search.query` (query -> SearchResults).
"""
__version__ = "0.1.0"

from .article import Article  # noqa: E402
from .errors import (IndexLockedError, IndexNotFoundError, IngestError,  # noqa: E402
                     NewsSearchError, QueryError, SchemaVersionError)

__all__ = ["Article", "NewsSearchError", "IndexNotFoundError", "SchemaVersionError",
           "IndexLockedError", "QueryError", "IngestError", "__version__"]
