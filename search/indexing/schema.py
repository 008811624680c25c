"""The one definition of what the index holds, and the Article <-> document mapping.

Bump SCHEMA_VERSION whenever a field or analyzer changes: an index built with
another version is refused with a message asking for `reindex --full`, rather
than returning subtly wrong results.

Choices measured on BBC (see bench/README.md, "Indexing"):
- `spelling=True` on the body doubled build time and added 40% to the index;
  unstemmed words for "did you mean" come from the headline only
  (`spell_headline`, Whoosh's `spelling_fieldname("headline")`).
- positions use `CompactPositions` (varint deltas, same behaviour as Whoosh's
  `Positions`): phrases work on headline, body and author.
- `id`, `content_hash` and `file_key` are sortable columns so the indexer can
  rebuild its change manifest from the index itself after a crash, reading
  three small columns instead of every stored document.

Dates are stored as naive UTC: Whoosh 2.7.4 indexes aware datetimes by their
wall-clock time and ignores the offset (../shared/whoosh-notes.md).
"""
from __future__ import annotations

import json
from datetime import timezone
from typing import Any

from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from ..article import PARTIAL_PRECISIONS, Article
from ..engine.analysis import name_analyzer, news_analyzer
from ..engine.postings import CompactPositions
from .fields import CONTENT_FIELDS, DATE_FIELD, KEYWORD_FIELDS, LIST_FIELDS  # noqa: F401

# 3: postings of rare terms inlined in the term dictionary (codec.py), one fused
#    analysis filter (same tokens, new pickled class)
# 4: segment format 4 (codec.py): block term dictionary (termdict.py), stored fields
#    compressed in blocks (storedblocks.py), leaner postings blocks. Same fields,
#    analyzers and results; the files differ, so older indexes are rebuilt.
# 5: `url` and `path` stored only, no longer indexed as terms (nothing searched them);
#    dates indexed as 4 trie terms instead of 8 (`_date_field`).
# 6: language-aware analysis (analysis.py): words split at a lost space after a full
#    stop, Arabic and Cyrillic spellings folded, Snowball by script (Arabic, Russian...).
SCHEMA_VERSION = 6
HEADLINE_BOOST = 2.5

# The field and facet names are fields.py's (imported above for those who look here);
# tests/test_fields.py checks that build_schema uses them.


def _text(analyzer, *, boost: float = 1.0, spelling: bool = False) -> TEXT:
    field = TEXT(analyzer=analyzer, stored=True, phrase=True, field_boost=boost, spelling=spelling)
    field.format = CompactPositions(field_boost=boost)
    return field


def _date_field() -> DATETIME:
    """Whoosh indexes a date as eight trie terms (every 8 bits of its microsecond count),
    four or five of them unique to the article: on Reuters they were 30% of a segment's
    terms and of the flush that writes them. Every 16 bits gives four terms, two unique
    (same ranges matched; a range query reads a few more terms at its edges)."""
    field = DATETIME(stored=True, sortable=True)
    field.shift_step = 16
    return field


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        headline=_text(news_analyzer(), boost=HEADLINE_BOOST, spelling=True),
        body=_text(news_analyzer()),
        source=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True),
        section=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True),
        tags=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True),
        language=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True),
        published=_date_field(),
        author=_text(name_analyzer()),
        # Shown with each hit, never searched: stored only (as terms they were a tenth
        # of a segment's terms, one per article, and of the build's flush).
        url=STORED(),
        path=STORED(),
        content_hash=ID(stored=True, sortable=True),
        # Which source file (root + relpath) produced the article: lets the
        # indexer delete a vanished file's articles and rebuild its manifest.
        file_key=ID(sortable=True),
        provenance=STORED(),
        # "1" when ingestion made the headline from the body's opening words (the record
        # had none): ranking gives such a headline no weight of its own (engine/evaluate.py).
        headline_inferred=ID(),
        # "year" or "month" for a partial date (`published` is then its period's first
        # instant); absent for a day or finer. Added without a schema version: see ADDED_FIELDS.
        published_precision=ID(stored=True, sortable=True),
        # The article's story: near-duplicate bodies share it (indexing/stories.py). A
        # column only, not a term, not stored: searches read the column (collapsing,
        # counting stories) and `news-search story` finds a story's copies by scanning it
        # (query/collapse.py `story_copies`, ~1 ms per 20,000 articles). As a term on every
        # article (`ID(sortable=True)`, the field's first form, whose column holds the same
        # bytes: such an index reads and grows as before) it cost a Reuters build ~1 s of
        # its sub-writers' CPU, nearly all for terms of one article each.
        story=COLUMN(),
    )


# Fields added after SCHEMA_VERSION 6 indexes were written, without bumping the version (an
# older index still opens and searches: its articles have none of them). Such an index's
# own schema lacks them, so writing to it leaves them out (`fit_to_schema`) until
# `reindex --full` builds a generation with today's schema.
ADDED_FIELDS = ("published_precision", "story")


def fit_to_schema(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    """`doc` without the ADDED_FIELDS that `schema` (an older index's) lacks, and with its
    story id as bytes where the story is a column only (Whoosh's COLUMN stores its value
    as given; an index whose story is a term takes the text)."""
    for name in ADDED_FIELDS:
        if name in doc and name not in schema:
            del doc[name]
    story = doc.get("story")
    if story is not None and not schema["story"].indexed:
        doc["story"] = story.encode("utf-8")
    return doc


def file_key(root: str, relpath: str) -> str:
    """The `file_key` of articles read from `relpath` under corpus root `root`.

    A 16-hex-digit hash rather than the path itself: it is stored three times
    per article (term, column, manifest), and on Reuters' short articles the
    full path cost 0.4x the raw text. The manifest's `files` table maps it back.
    Hashed as the name's bytes on disk: a name that is not UTF-8 arrives with lone
    surrogates (os.fsdecode), which strict UTF-8 cannot encode; valid names hash as before.
    """
    import hashlib  # here: OpenSSL's load is ~2.5 ms of a cold query, which hashes nothing

    key = f"{root}\x1f{relpath}".encode("utf-8", "surrogateescape")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def keyword_value(value: str | None) -> str | None:
    """How a keyword (source, section, tag, language) is indexed, and so how filters must
    spell it. Commas separate values in KEYWORD fields; a comma inside one would split it."""
    return value.replace(",", " ").strip().lower() if value else None


# How ingestion (ingest/build.py) records a headline it took from the body's first line.
INFERRED_HEADLINE_PROVENANCE = "first line of the body"
INFERRED_MARK = "1"  # the `headline_inferred` term of such an article


def headline_inferred(article: Article) -> bool:
    """Whether the headline repeats the body's opening words because the record had none."""
    return article.provenance.get("headline", "").startswith(INFERRED_HEADLINE_PROVENANCE)


def document_for(article: Article) -> dict[str, Any]:
    """The Whoosh document for an article (None-valued fields are left out)."""
    doc: dict[str, Any] = {
        "id": article.id,
        "headline": article.headline,
        "body": article.body,
        "source": keyword_value(article.source),
        "section": keyword_value(article.section),
        "tags": ",".join(t for t in (keyword_value(t) for t in article.tags) if t) or None,
        "language": keyword_value(article.language),
        "published": (article.published.astimezone(timezone.utc).replace(tzinfo=None)
                      if article.published else None),
        "author": article.author,
        "url": article.url,
        "path": article.path,
        "content_hash": article.content_hash,
        "provenance": json.dumps(article.provenance, ensure_ascii=False),
        "headline_inferred": INFERRED_MARK if headline_inferred(article) else None,
        "published_precision": (article.published_precision
                                if article.published_precision in PARTIAL_PRECISIONS else None),
    }
    return {k: v for k, v in doc.items() if v is not None and v != ""}


def article_from_stored(fields: dict[str, Any]) -> Article:
    """Rebuild an Article from a stored document (for `show`, alerts, tests)."""
    published = fields.get("published")
    return Article(
        id=fields["id"],
        headline=fields.get("headline", ""),
        body=fields.get("body", ""),
        source=fields.get("source"),
        published=published.replace(tzinfo=timezone.utc) if published else None,
        url=fields.get("url"),
        author=fields.get("author"),
        language=fields.get("language"),
        section=fields.get("section"),
        tags=tuple(t for t in (fields.get("tags") or "").split(",") if t),
        path=fields.get("path", ""),
        content_hash=fields.get("content_hash", ""),
        provenance=json.loads(fields.get("provenance") or "{}"),
        published_precision=fields.get("published_precision"),
    )
