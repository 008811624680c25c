"""News pages saved from the web: the story without navigation, ads and footers.

trafilatura finds the main text and the metadata. Two things are ours:
- Dates: htmldate (through trafilatura) decides the day, by its own ordering
  of the page's metadata, URL and markup, built and evaluated for exactly this:
  a page's first date meta is often not its publication date (a 2017 story
  about a 1988 earthquake carried `dc.date` 1988-12-07). A timestamp from the
  markup (Open Graph, JSON-LD, <time>) that falls on htmldate's day (+-1 for
  the zone) is then used for its time and zone; otherwise the day alone is
  stored. Only when htmldate finds no date (it refuses dates before 1995 or in
  the future) is the markup's first date taken. htmldate's "extensive" text
  search is off: a date guessed from body text is worse than none.
- "Is this an article?": trafilatura falls back to dumping whatever text a page
  has, so an index or navigation page would come out as a list of link
  titles. A page counts as an article only if its extracted text has at least
  one line of prose (a long line with a sentence end, in any script: prose.py).
Provenance names the markup each field most likely came from, by comparing
trafilatura's answer with the page's own meta tags.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from ..dates import parse_date_precise
from ..options import IngestOptions
from ..records import Document, RawArticle, Skip
from .prose import has_prose

_PUBLISHED_META = (
    ("property", "article:published_time"), ("property", "og:article:published_time"),
    ("itemprop", "datePublished"), ("name", "article:published_time"), ("name", "pubdate"),
    ("name", "publishdate"), ("name", "publish-date"), ("name", "date"), ("name", "dc.date.issued"),
    ("name", "dc.date"), ("name", "dcterms.created"), ("name", "parsely-pub-date"),
    ("name", "sailthru.date"), ("property", "bt:pubdate"),
)
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def _meta(tree: HtmlElement, attr: str, value: str) -> str | None:
    lowered = value.lower()
    for el in tree.iter("meta"):
        if (el.get(attr) or "").strip().lower() == lowered:
            content = (el.get("content") or "").strip()
            if content:
                return content
    return None


def _json_ld(tree: HtmlElement) -> list[dict]:
    """JSON-LD objects (flattening @graph and lists); broken blocks are ignored."""
    found: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def _markup_dates(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    """(value, where) of every publication date the markup states, in our order."""
    for attr, name in _PUBLISHED_META:
        value = _meta(tree, attr, name)
        if value:
            yield value, f'<meta {attr}="{name}">'
    for obj in _json_ld(tree):
        if isinstance(obj.get("datePublished"), str) and obj["datePublished"].strip():
            yield obj["datePublished"].strip(), "JSON-LD datePublished"
    for el in tree.iter("time"):
        if el.get("datetime") and (el.get("pubdate") is not None or el.get("itemprop") == "datePublished"):
            yield el.get("datetime").strip(), "<time pubdate datetime>"


def _published(tree: HtmlElement, htmldate_day: str | None) -> tuple[str | None, str]:
    """htmldate's day, with the time and zone of a markup date on that day (module docstring)."""
    markup = list(_markup_dates(tree))
    if not htmldate_day:
        if markup:
            return markup[0][0], f"{markup[0][1]} (htmldate found no date from 1995 to today)"
        return None, ""
    try:
        day = date.fromisoformat(htmldate_day[:10])
    except ValueError:
        return None, ""
    partial = None
    for value, where in markup:
        parsed = parse_date_precise(value)
        if parsed is None:
            continue
        if parsed.precision in ("day", "time") and abs((parsed.when.date() - day).days) <= 1:
            return value, where
        if partial is None and parsed.when.year == day.year and (
                parsed.precision == "year" or parsed.when.month == day.month):
            partial = value, where
    if partial:  # "2021-03" in the markup: htmldate fills in a day the page never gave
        return partial[0], f"{partial[1]} (htmldate's day {htmldate_day} is not in the page)"
    shown = [where for _, where in markup]
    why = f"; markup dates not on that day: {', '.join(shown)}" if shown else ""
    return htmldate_day, f"htmldate (page metadata, URL or markup; day only){why}"


def _title_origin(tree: HtmlElement, title: str) -> str:
    def same(value: str | None) -> bool:
        return bool(value) and " ".join(value.split()) == title

    if same(_meta(tree, "property", "og:title")):
        return "trafilatura (og:title)"
    if any(same(o.get("headline")) for o in _json_ld(tree) if isinstance(o.get("headline"), str)):
        return "trafilatura (JSON-LD headline)"
    if same(_meta(tree, "name", "twitter:title")) or same(_meta(tree, "name", "title")):
        return "trafilatura (meta title)"
    page_title = tree.findtext(".//title") or ""
    if same(page_title):
        return "trafilatura (<title>)"
    if title in " ".join(page_title.split()):
        return "trafilatura (<title>, site name removed)"
    return "trafilatura (<h1> or page heading)"


def _language(tree: HtmlElement) -> tuple[str | None, str]:
    lang = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    if lang:
        return lang, "<html lang>"
    for el in tree.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "content-language" and el.get("content"):
            return el.get("content").split(",")[0].strip(), "<meta http-equiv=content-language>"
    locale = _meta(tree, "property", "og:locale")
    if locale:
        return locale, "og:locale"
    return None, ""


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    tree = load_html(text)
    if tree is None:
        yield Skip(doc.path, "not readable as HTML")
        return
    result = trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False,
                                         include_tables=True, date_extraction_params=dict(_DATE_PARAMS))
    body = (result.text or "") if result is not None else ""
    title = (result.title or "").strip() if result is not None else ""
    lines = body.split("\n")
    if title and lines and " ".join(lines[0].split()) == " ".join(title.split()):
        lines = lines[1:]  # the page's <h1> repeats the headline
    body = "\n".join(lines).strip()
    if result is None or not has_prose(body):
        yield Skip(doc.path, "no article text found in HTML")
        return

    prov: dict[str, str] = {"body": "trafilatura main text (navigation, ads, comments, footer removed)"}
    raw = RawArticle(body=body, line=1, provenance=prov)
    if title:
        raw.headline, prov["headline"] = title, _title_origin(tree, title)
    raw.published, how = _published(tree, result.date)
    if how:
        prov["published"] = how
    if result.sitename:
        raw.source = result.sitename
        prov["source"] = ("trafilatura (og:site_name)" if _meta(tree, "property", "og:site_name")
                          else "trafilatura (site name or domain)")
    if result.author:
        raw.author, prov["author"] = result.author, "trafilatura (author meta or byline)"
    if result.url:
        canonical = next((el.get("href") for el in tree.iter("link")
                          if (el.get("rel") or "").lower() == "canonical" and el.get("href")), None)
        raw.url = result.url
        prov["url"] = "trafilatura (canonical link)" if canonical == result.url else "trafilatura (og:url or page URL)"
    raw.language, how = _language(tree)
    if how:
        prov["language"] = how
    if result.categories:
        raw.section, prov["section"] = result.categories[0], "trafilatura (article:section or category)"
    if result.tags:
        raw.tags, prov["tags"] = tuple(result.tags), "trafilatura (article:tag or keywords)"
    yield raw
