"""`news-search query`, `show` and `similar`: thin layers over `search.api.NewsIndex`.

The API (and so Whoosh, ~65 ms to import) is imported inside the commands,
not at module level, so `news-search --help` and other commands stay quick.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import EXIT_MATCH, EXIT_NO_MATCH, index_dir_option, reports_errors, style

FACET_CHOICES = ("source", "section", "tags", "language", "published:year", "published:month",
                 "published:day")
SORT_CHOICES = ("relevance", "newest", "oldest")


def _err(text: str) -> None:
    click.echo(text, err=True)


def _date(value: Any) -> str:
    return value.date().isoformat() if value else "date unknown"


def _print_hit(hit: Any) -> None:
    from ..query.snippets import snippet_styled

    out = sys.stdout
    title = style(hit.headline or "(no headline)", out, bold=True)
    click.echo(f"{hit.rank:>3}. {title}")
    meta = " · ".join(x for x in (hit.source or "unknown source", _date(hit.published),
                                  hit.section or "", hit.id) if x)
    click.echo("     " + style(meta, out, fg="green"))
    if hit.snippet:
        bold = (lambda w: style(w, out, bold=True, fg="yellow")) if style("x", out, bold=True) != "x" \
            else (lambda w: f"[[{w}]]")
        click.echo("     " + snippet_styled(hit.snippet, bold))
    click.echo()


def _print_facets(facets: dict[str, list[Any]]) -> None:
    for name, values in facets.items():
        click.echo(style(f"{name}:", sys.stdout, bold=True))
        if not values:
            click.echo("  (none)")
        for v in values:
            click.echo(f"  {v.count:>7}  {v.value if v.value is not None else '(unknown)'}")


def _partial_note(all_words: int) -> str:
    if not all_words:
        return "note: no article has all the words; these have some of them (--all: only all)"
    return (f"note: {all_words} article{'s have' if all_words != 1 else ' has'} all the words "
            "and come first; the rest have some of them (--all: only those)")


@click.command("query")
@click.argument("query_text", metavar="QUERY")
@index_dir_option
@click.option("--any", "match_any", is_flag=True,
              help="Match articles with any of the words, ranked by score alone.")
@click.option("--all", "match_all", is_flag=True,
              help="Match only articles with every word (plain words are otherwise ranked "
                   "by whether they hold all of them).")
@click.option("--exact", is_flag=True, help="No name-variant expansion (Kiev finds only Kiev).")
@click.option("--source", "sources", multiple=True, metavar="S", help="Only this source (repeatable).")
@click.option("--section", "sections", multiple=True, metavar="S", help="Only this section (repeatable).")
@click.option("--language", "languages", multiple=True, metavar="L", help="Only this language (repeatable).")
@click.option("--since", metavar="DATE", help="Published on or after: 2021-09-01, 2021-09, 7d, yesterday.")
@click.option("--until", metavar="DATE", help="Published on or before (the whole day/month/year given).")
@click.option("--facet", "facets", multiple=True, type=click.Choice(FACET_CHOICES),
              help="Count matches per value (repeatable).")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="relevance", show_default=True)
@click.option("--limit", metavar="N", default="10", show_default=True,
              help="Hits per page (1-1000).")
@click.option("--page", metavar="P", default="1", show_default=True, help="Page number (1 or more).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with hits, facets, total.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON hit per line.")
@reports_errors
def query_command(query_text: str, index_dir: str, match_any: bool, match_all: bool, exact: bool,
                  sources: tuple[str, ...], sections: tuple[str, ...], languages: tuple[str, ...],
                  since: str | None, until: str | None, facets: tuple[str, ...], sort: str,
                  limit: str, page: str, as_json: bool, as_jsonl: bool) -> None:
    """Search the index; exit 0 when something matched, 1 when nothing did, 2 on error.

    \b
    Query language:
      Putin Kremlin            articles with both words first, then with either
                               (stemmed; name variants included); --all: both only
      Putin OR Kremlin         either;  Putin -Kremlin / Putin AND NOT Kremlin
      "red lines"  "red lines"~3   phrase; words up to 3 apart
      headline:Kremlin source:rferl section:sport tags:x author:x language:en
      published:[2021-09-01 TO 2021-09-30]  published:2021-09  published:"last week"
      sanction*   Zelensky~   =Kiev (this spelling only)

    \b
    Examples:
      news-search query '"red lines" AND (Putin OR Kremlin)'
      news-search query Lukashenko --facet source --facet published:month
      news-search query 'Nato Belarus' --source rferl --since 2021-09-01 --sort newest
      news-search query 'why did oil prices rise' --limit 5 --json
    """
    from ..api import NewsIndex

    if match_any and match_all:
        raise click.UsageError("choose one of --any and --all")
    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    with NewsIndex.open(index_dir) as ix:
        res = ix.search(query_text, match="any" if match_any else "all" if match_all else "words",
                        exact=exact,
                        sources=sources or None, sections=sections or None,
                        languages=languages or None, since=since, until=until,
                        facets=facets, sort=sort, limit=limit, page=page)
    for hint in res.hints:
        _err(f"note: {hint}")
    if not res.matched_all_words:
        _err(_partial_note(res.total_all_words))
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False))
    elif as_jsonl:
        for hit in res.hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
    else:
        for hit in res.hits:
            _print_hit(hit)
        _print_facets(res.facets)
    if res.total:
        first = (res.page - 1) * res.limit + 1
        shown = f"{first}-{first + len(res.hits) - 1}" if res.hits else f"none on page {res.page}"
        _err(f"{res.total} match{'es' if res.total != 1 else ''} ({shown}, page {res.page} of {res.pages})")
    else:
        _err("no matches")
    if res.suggestion:
        _err(f"did you mean: {res.suggestion}")
    sys.exit(EXIT_MATCH if res.total else EXIT_NO_MATCH)


@click.command("show")
@click.argument("article_id", metavar="ID")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="The article as one JSON object.")
@reports_errors
def show_command(article_id: str, index_dir: str, as_json: bool) -> None:
    """Print one article in full, with where each field came from.

    \b
    Examples:
      news-search show 1a0097ed4c656636
      news-search show 1a0097ed4c656636 --json | jq .provenance
    """
    from ..api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        article = ix.get(article_id)
    if article is None:
        _err(f"news-search: no article with id {article_id} in {index_dir}")
        sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        sys.exit(EXIT_MATCH)
    out = sys.stdout
    click.echo(style(article.headline, out, bold=True))
    for label, value in (("id", article.id), ("source", article.source),
                         ("published", article.published.isoformat() if article.published else None),
                         ("section", article.section), ("language", article.language),
                         ("author", article.author), ("url", article.url), ("path", article.path),
                         ("tags", ", ".join(article.tags) or None)):
        if value:
            click.echo(f"{style(label + ':', out, fg='green'):<12} {value}")
    if article.provenance:
        click.echo(style("provenance:", out, fg="green"))
        for key, value in sorted(article.provenance.items()):
            click.echo(f"  {key}: {value}")
    click.echo()
    click.echo(article.body)


@click.command("similar")
@click.argument("article_id", metavar="ID")
@index_dir_option
@click.option("--limit", metavar="N", default="10", show_default=True,
              help="How many articles (1-1000).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, like `query --json`.")
@reports_errors
def similar_command(article_id: str, index_dir: str, limit: str, as_json: bool) -> None:
    """Articles most like a given one (by the key terms of its text).

    \b
    Examples:
      news-search similar 1a0097ed4c656636
      news-search similar 1a0097ed4c656636 --limit 3 --json
    """
    from ..api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        res = ix.similar(article_id, limit=limit)
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        for hit in res.hits:
            _print_hit(hit)
        _err(f"{res.total} similar article{'s' if res.total != 1 else ''}")
    sys.exit(EXIT_MATCH if res.total else EXIT_NO_MATCH)


COMMANDS = [query_command, show_command, similar_command]
