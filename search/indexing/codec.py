"""Old home of `NewsCodec`, kept because indexes written before the engine moved to
`search/engine/` pickle `search.indexing.codec.NewsCodec` in every segment entry.
Format contract: search/engine/FORMAT.md."""
from ..engine.codec import NewsCodec

__all__ = ["NewsCodec"]
