"""The engine: our extension of Whoosh 2.7.4, and the only code that touches its private names.

What lives here is what must change together when Whoosh's internals or our on-disk
format change (search/engine/FORMAT.md is the contract; tests/test_engine_fence.py fails
when a private Whoosh name is used outside this package):

- analysis.py      words -> terms (tokenizer, folding, per-language stemming)
- postings.py      the compact positions format
- termdict.py      the block term dictionary (.ntd)
- storedblocks.py  the stored-article blocks (_stored.col)
- codec.py         NewsCodec: Whoosh's codec with the three above
- mapped.py        memory-mapped segment parts
- segwriter.py     the segment writer the indexer uses
- evaluate.py      query evaluation and BM25 scoring over those segments
- expand.py        wildcards, prefixes and fuzzy words as the OR of the field's words

Everything else (ingest, indexing's runs and manifests, query parsing, the API) uses
Whoosh only through its public API or through this package.
"""
