"""Old home of `CompactPositions`, kept because indexes written before the engine moved to
`search/engine/` pickle `search.indexing.postings.CompactPositions` in their schema.
Format contract: search/engine/FORMAT.md."""
from ..engine.postings import CompactPositions

__all__ = ["CompactPositions"]
