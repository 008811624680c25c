"""RawArticle -> Article: the rules every format shares, applied in one place."""
from __future__ import annotations

from ..article import Article, article_id, content_hash
from .clean import clean_field, clean_text
from .dates import parse_date_precise, why_no_date
from .language import guess_language
from .records import Document, RawArticle, Skip

HEADLINE_FROM_BODY_CHARS = 120


def _first_line(body: str) -> str:
    line = body.split("\n", 1)[0]
    if len(line) <= HEADLINE_FROM_BODY_CHARS:
        return line
    cut = line.rfind(" ", 0, HEADLINE_FROM_BODY_CHARS)
    return line[: cut if cut > 40 else HEADLINE_FROM_BODY_CHARS] + "…"


def build_article(raw: RawArticle, doc: Document, encoding_how: str | None = None) -> Article | Skip:
    prov = dict(raw.provenance)
    if encoding_how:
        prov.setdefault("encoding", encoding_how)
    path = doc.path if raw.record is None else f"{doc.path}#{raw.record}"

    body = clean_text(raw.body or "")
    headline = clean_field(raw.headline) or ""
    if not headline and body:
        headline = _first_line(body)
        prov["headline"] = "first line of the body (the record has no title)"
    if not headline and not body:
        return Skip(doc.path, "no text: empty headline and body", line=raw.line, record=raw.record)

    source = clean_field(raw.source)
    if source is None:
        if doc.folders:
            source = doc.folders[0]
            prov["source"] = f"folder {source!r}"
        elif doc.root_name:
            source = doc.root_name
            prov["source"] = f"corpus root folder {source!r}"
    # Folders name a section only where they also name the source (`bbc/sport/199.txt`).
    # A record that names its own source is filed by its publisher's export, whose folders
    # are storage: SaudiNewsNet's `SaudiNewsNet/dataset/DAY.zip` made all 30,371 articles
    # section "dataset".
    section = clean_field(raw.section)
    source_from_folders = prov.get("source", "").startswith("folder ")
    if section is None and len(doc.folders) >= 2 and source_from_folders:
        section = doc.folders[-1]
        prov["section"] = f"folder {section!r}"

    parsed = None
    if raw.published not in (None, ""):
        parsed = parse_date_precise(raw.published)
        if parsed is None:
            prov["published"] = why_no_date(raw.published)

    language = clean_field(raw.language)
    if language:
        language = language.lower().split("-")[0].split("_")[0]
    else:
        language, how = guess_language(headline + "\n" + body)
        prov["language"] = f"guessed: {how}" if language else f"unknown: {how}"

    tags = tuple(dict.fromkeys(t for t in (clean_field(t) for t in raw.tags) if t))
    return Article(
        id=article_id(doc.root_name, path),
        headline=headline,
        body=body,
        source=source,
        published=parsed.when if parsed else None,
        published_precision=parsed.precision if parsed else None,
        url=clean_field(raw.url),
        author=clean_field(raw.author),
        language=language,
        section=section,
        tags=tags,
        path=path,
        content_hash=content_hash(headline, body),
        provenance=prov,
    )
