"""`news-search query`, `show` and `similar`: thin layers over `search.api.NewsIndex`.

The API (and so Whoosh, ~65 ms to import) is imported inside the commands,
not at module level, so `news-search --help` and other commands stay quick.

A query is typed as people type it: `query oil OPEC` is one query of two words, and
`query oil -opec` (or anything after `--`) negates a word instead of being read as an
option: `QueryCommand` sets aside every argument that is not one of the command's
own options before click parses them.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..indexing.fields import DATE_FACETS, DATE_FIELD, KEYWORD_FIELDS
from .cluster_cmd import cluster_options, partial_note
from .common import EXIT_MATCH, EXIT_NO_MATCH, index_dir_option, reports_errors, style

# The schema's names (fields.py imports nothing, so Whoosh still loads only in a command).
FACET_CHOICES = (*KEYWORD_FIELDS, DATE_FIELD, *DATE_FACETS)
SORT_CHOICES = ("relevance", "newest", "oldest")
# Columns of --csv/--tsv and --fields: a Hit's fields; `body` only when asked for.
FIELD_CHOICES = ("id", "headline", "source", "published", "url", "score", "snippet", "body",
                 "section", "language", "path", "rank", "story", "copies", "sources")
DEFAULT_TABLE_FIELDS = ("id", "headline", "source", "published", "url", "score")


def _open_index(index_dir: str, cluster: str | None = None, allow_partial: bool = False) -> Any:
    """`NewsIndex.open(index_dir)`, or a sharded archive's `ClusterIndex` (cluster_cmd.py).
    Imported here, not at the top: `--help` and option
    errors answer without loading Whoosh (search/api.py loads it lean: engine/lean.py)."""
    from .cluster_cmd import open_archive, wants_cluster

    if wants_cluster(index_dir, cluster, allow_partial):
        return open_archive(index_dir, cluster, allow_partial)
    from ..api import NewsIndex

    return NewsIndex.open(index_dir)


def _err(text: str) -> None:
    click.echo(text, err=True)


def _done(code: int) -> None:
    """Flush stdout before exiting, so a reader that went away (`| head -1`) shows up as
    BrokenPipeError inside the command (where the group turns it into a quiet exit 0),
    not at interpreter exit as "Exception ignored" and status 120."""
    sys.stdout.flush()
    sys.exit(code)


class QueryCommand(click.Command):
    """A command whose words are free text: arguments that are not its own options
    (`-opec`, `-5`) are words of the query, in the order typed; `--` ends options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names: dict[str, bool] = {}  # option name -> takes a value
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in param.opts + param.secondary_opts:
                    names[name] = not param.is_flag and not param.count
        options: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words.extend(args[i + 1:])
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if name in names or (arg.startswith("--") and len(arg) > 2):
                # our option (with its value), or a misspelt long option: click reports it
                options.append(arg)
                if names.get(name) and "=" not in arg and i + 1 < len(args):
                    options.append(args[i + 1])
                    i += 1
            else:
                words.append(arg)
            i += 1
        return super().parse_args(ctx, options + (["--", *words] if words else []))


def _query_text(words: tuple[str, ...]) -> str:
    return " ".join(words)


def _fields_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    fields = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    bad = [f for f in fields if f not in FIELD_CHOICES]
    if bad or not fields:
        raise click.BadParameter(f"unknown field {', '.join(bad) or '(none)'}: choose from "
                                 f"{','.join(FIELD_CHOICES)}")
    return fields


def _date(value: Any, precision: str | None = None) -> str:
    """The day, or `2021-03` / `2021` for a date known only to the month or year."""
    from ..article import format_published

    return (format_published(value, precision)[:10] if precision else value.date().isoformat()) \
        if value else "date unknown"


def _print_hit(hit: Any) -> None:
    from ..query.snippets import snippet_styled

    out = sys.stdout
    title = style(hit.headline or "(no headline)", out, bold=True)
    click.echo(f"{hit.rank:>3}. {title}")
    meta = " · ".join(x for x in (hit.source or "unknown source", _date(hit.published, hit.published_precision),
                                  hit.section or "", hit.id) if x)
    click.echo("     " + style(meta, out, fg="green"))
    if hit.copies and hit.copies > 1:  # collapsed: the copies this hit stands for
        click.echo(f"     {hit.copies} copies ({', '.join(hit.sources or ())}): news-search story {hit.story}")
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


def undated_notes(res: Any, sort: str) -> list[str]:
    """What a date filter or a date sort could not do because articles have no date
    (the BBC corpus has none): silence there read as "nothing was published then"."""
    notes = []
    articles, undated = res.articles, res.undated_articles
    if undated and undated == articles:
        notes.append(f"note: none of the {articles:,} articles has a date: a date filter "
                     "matches none of them")
    elif undated:
        notes.append(f"note: {undated:,} of the {articles:,} articles have no date: a date "
                     "filter never matches them")
    missing = res.undated_matches
    if missing and missing == res.total:
        notes.append(f"note: none of the matches has a date: --sort {sort} cannot order them")
    elif missing:
        notes.append(f"note: {missing:,} of the matches have no date: listed last")
    return notes


def _hit_record(hit: Any, fields: tuple[str, ...] | None) -> dict[str, Any]:
    d = hit.to_dict()
    return d if fields is None else {f: d.get(f) for f in fields}


def _table_value(value: Any) -> str:
    if isinstance(value, list):  # a collapsed hit's sources
        return ";".join(map(str, value))
    return "" if value is None else str(value)


class _Table:
    """--csv (RFC 4180, as spreadsheets read it) or --tsv (one line per hit: tabs and
    line breaks inside a value become spaces, so `cut -f` and `awk -F'\\t'` work)."""

    def __init__(self, fields: tuple[str, ...], tsv: bool):
        import csv

        self.fields, self.tsv = fields, tsv
        self.writer = None if tsv else csv.writer(sys.stdout, lineterminator="\n")
        self.row(fields)

    def row(self, values: Any) -> None:
        values = [_table_value(v) for v in values]
        if self.tsv:
            click.echo("\t".join(" ".join(v.split()) if any(c in v for c in "\t\r\n") else v
                                 for v in values))
        else:
            self.writer.writerow(values)

    def hit(self, hit: Any) -> None:
        d = hit.to_dict()
        self.row(d.get(f) for f in self.fields)


@click.command("query", cls=QueryCommand)
@click.argument("query_words", metavar="QUERY", nargs=-1, required=True)
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
@click.option("--since", metavar="DATE", help="Published on or after: 2021-09-01, 2021-09, "
              "'30 November 2026', 2d (today and yesterday, UTC), 1m, yesterday, 'last week'.")
@click.option("--until", metavar="DATE", help="Published on or before (the whole day/month/year given). "
              "An article dated only to a month or year matches a date filter only if all of "
              "that month or year is inside it.")
@click.option("--facet", "facets", multiple=True, type=click.Choice(FACET_CHOICES),
              help="Count matches per value (repeatable; published = published:month).")
@click.option("--facet-size", metavar="N", default="10", show_default=True,
              help="Values shown per facet, the most frequent first (0: all).")
@click.option("--empty-buckets", is_flag=True,
              help="Date facets also list the periods with no match (0) between the first and last.")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="relevance", show_default=True)
@click.option("--limit", metavar="N", default="10", show_default=True,
              help="Hits per page (1-1000).")
@click.option("--page", metavar="P", default="1", show_default=True, help="Page number (1 or more).")
@click.option("--collapse", is_flag=True,
              help="One hit per story (near-duplicate copies), with its copies and sources.")
@click.option("--collapse-by", type=click.Choice(("best", "earliest")), default="best", show_default=True,
              help="Which copy stands for a story: the best-scoring or the first published.")
@click.option("--count-by", type=click.Choice(("article", "story")), default=None,
              help="What the total and facets count (--collapse counts stories).")
@click.option("--all-hits", "every_hit", is_flag=True,
              help="Every match in order, streamed page by page (no 1,000 cap; --limit/--page ignored).")
@click.option("--count", "count_only", is_flag=True, help="Print only the exact number of matches.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document with hits, facets, total.")
@click.option("--jsonl", "as_jsonl", is_flag=True,
              help="One JSON hit per line; facets last, as one {\"facets\": ...} line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row (columns: --fields).")
@click.option("--tsv", "as_tsv", is_flag=True, help="Tab-separated, one line per hit (columns: --fields).")
@cluster_options
@click.option("--fields", callback=_fields_option, metavar="F,F...",
              help=f"Columns of --csv/--tsv, keys of --json/--jsonl hits: {','.join(FIELD_CHOICES)} "
                   f"(--csv/--tsv default: {','.join(DEFAULT_TABLE_FIELDS)}; body only when named).")
@reports_errors
def query_command(query_words: tuple[str, ...], index_dir: str, match_any: bool, match_all: bool,
                  exact: bool, sources: tuple[str, ...], sections: tuple[str, ...],
                  languages: tuple[str, ...], since: str | None, until: str | None,
                  facets: tuple[str, ...], facet_size: str, sort: str, limit: str, page: str,
                  every_hit: bool, count_only: bool, as_json: bool, as_jsonl: bool, as_csv: bool,
                  as_tsv: bool, fields: tuple[str, ...] | None, empty_buckets: bool = False,
                  collapse: bool = False, collapse_by: str = "best", count_by: str | None = None,
                  cluster: str | None = None, allow_partial: bool = False) -> None:
    """Search the index; exit 0 when something matched, 1 when nothing did, 2 on error.

    Several words are one query; a word starting with - (or anything after --) is
    left out of the matches, not read as an option.

    \b
    Query language:
      Putin Kremlin            articles with both words first, then with either
                               (stemmed; name variants included); --all: both only
      Putin OR Kremlin         either;  Putin -Kremlin / Putin AND NOT Kremlin
      "red lines"  "red lines"~3   phrase; words up to 3 apart
      headline:Kremlin (title: too) source:rferl section:sport tags:x author:x language:en
      published:[2021-09-01 TO 2021-09-30]  published:2021-09  published:"last week"
      sanction*   Zelensky~   =Kiev (this spelling only)

    \b
    Examples:
      news-search query oil OPEC                     # one query of two words
      news-search query oil -opec                    # oil, without OPEC
      news-search query '"red lines" AND (Putin OR Kremlin)'
      news-search query Lukashenko --facet source --facet published:month
      news-search query 'Nato Belarus' --source rferl --since 2021-09-01 --sort newest
      news-search query 'why did oil prices rise' --limit 5 --json
      news-search query oil --count
      news-search query oil --all-hits --csv --fields id,headline,published,body > oil.csv
      news-search query oil --jsonl --facet tags --facet-size 0
      news-search query 'oil prices' --collapse      # one hit per story; news-search story ID
    """
    if match_any and match_all:
        raise click.UsageError("choose one of --any and --all")
    formats = [name for name, on in (("--json", as_json), ("--jsonl", as_jsonl), ("--csv", as_csv),
                                     ("--tsv", as_tsv), ("--count", count_only)) if on]
    if len(formats) > 1:
        raise click.UsageError(f"choose one of {' and '.join(formats)}")
    if fields is not None and not (as_json or as_jsonl or as_csv or as_tsv):
        raise click.UsageError("--fields goes with --csv, --tsv, --json or --jsonl")
    if facets and (as_csv or as_tsv):
        raise click.UsageError("--facet goes with text, --json or --jsonl output, not a table")
    query_text = _query_text(query_words)
    table_fields = fields or DEFAULT_TABLE_FIELDS
    wanted = table_fields if (as_csv or as_tsv) else fields
    options: dict[str, Any] = dict(
        match="any" if match_any else "all" if match_all else "words", exact=exact,
        sources=sources or None, sections=sections or None, languages=languages or None,
        since=since, until=until, sort=sort,
        snippets=not count_only and (wanted is None or "snippet" in wanted),
        bodies=wanted is not None and "body" in wanted,
        collapse=collapse, collapse_by=collapse_by, count_by=count_by)
    with _open_index(index_dir, cluster, allow_partial) as ix:
        from ..api import MAX_LIMIT

        if count_only:
            res = ix.search(query_text, **options, limit=1, suggest=False)
        elif every_hit:
            res = ix.search(query_text, **options, facets=facets, facet_size=facet_size,
                            limit=MAX_LIMIT, empty_buckets=empty_buckets)
        else:
            res = ix.search(query_text, **options, facets=facets, facet_size=facet_size,
                            limit=limit, page=page, empty_buckets=empty_buckets)
        for hint in res.hints:
            _err(f"note: {hint}")
        if partial_note(res):
            _err(partial_note(res))
        if not res.matched_all_words:
            _err(_partial_note(res.total_all_words))
        for note in undated_notes(res, sort):
            _err(note)
        if count_only:
            click.echo(res.total_stories if res.total_stories is not None else res.total)
            _done(EXIT_MATCH if res.total else EXIT_NO_MATCH)
        hits: Any = res.hits
        if every_hit and res.pages > 1:
            import itertools

            hits = itertools.chain(res.hits, ix.iter_hits(query_text, **options, from_page=2))
        _write(res, hits, as_json=as_json, as_jsonl=as_jsonl, as_csv=as_csv, as_tsv=as_tsv,
               fields=fields, table_fields=table_fields)
    counted = f"{res.total} match{'es' if res.total != 1 else ''}"
    if res.collapsed:  # the pages list stories
        counted = f"{res.total} stor{'ies' if res.total != 1 else 'y'} ({res.total_articles} matches)"
    elif res.total_stories is not None:
        counted += f" in {res.total_stories} stor{'ies' if res.total_stories != 1 else 'y'}"
    if res.total and every_hit:
        _err(counted)
    elif res.total:
        first = (res.page - 1) * res.limit + 1
        shown = f"{first}-{first + len(res.hits) - 1}" if res.hits else f"none on page {res.page}"
        _err(f"{counted} ({shown}, page {res.page} of {res.pages})")
    else:
        _err("no matches")
    if res.suggestion:
        _err(f"did you mean: {res.suggestion}")
    _done(EXIT_MATCH if res.total else EXIT_NO_MATCH)


def _write(res: Any, hits: Any, *, as_json: bool, as_jsonl: bool, as_csv: bool, as_tsv: bool,
           fields: tuple[str, ...] | None, table_fields: tuple[str, ...]) -> None:
    """The hits (an iterator when streaming every match) in the chosen format."""
    if as_json:
        # One document, written as the hits come (--all-hits holds one page at a time).
        doc = res.to_dict()
        doc["hits"] = "\0hits"
        head, tail = json.dumps(doc, ensure_ascii=False).split('"\\u0000hits"')
        out = [head + "["]
        for k, hit in enumerate(hits):
            out.append(("," if k else "") + json.dumps(_hit_record(hit, fields), ensure_ascii=False))
            if len(out) >= 100:
                click.echo("".join(out), nl=False)
                out = []
        click.echo("".join(out) + "]" + tail)
    elif as_jsonl:
        for hit in hits:
            click.echo(json.dumps(_hit_record(hit, fields), ensure_ascii=False))
        if res.facets:
            click.echo(json.dumps({"facets": {name: [v.to_dict() for v in values]
                                              for name, values in res.facets.items()}},
                                  ensure_ascii=False))
    elif as_csv or as_tsv:
        table = _Table(table_fields, tsv=as_tsv)
        for hit in hits:
            table.hit(hit)
    else:
        for hit in hits:
            _print_hit(hit)
        _print_facets(res.facets)


@click.command("show")
@click.argument("article_id", metavar="ID")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="The article as one JSON object.")
@reports_errors
def show_command(article_id: str, index_dir: str, as_json: bool) -> None:
    """Print one article in full, with where each field came from.

    Exit 0 when the article exists, 1 when no article has that id.

    \b
    Examples:
      news-search show 1a0097ed4c656636
      news-search show 1a0097ed4c656636 --json | jq .provenance
    """
    from ..article import format_published

    with _open_index(index_dir) as ix:
        article = ix.get(article_id)
    if article is None:
        _err(f"news-search: no article with id {article_id} in {index_dir}")
        sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        _done(EXIT_MATCH)
    out = sys.stdout
    click.echo(style(article.headline, out, bold=True))
    for label, value in (("id", article.id), ("source", article.source),
                         ("published", format_published(article.published, article.published_precision)),
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
    _done(EXIT_MATCH)


@click.command("similar")
@click.argument("article_id", metavar="ID")
@index_dir_option
@click.option("--limit", metavar="N", default="10", show_default=True,
              help="How many articles (1-1000).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, like `query --json`.")
@reports_errors
def similar_command(article_id: str, index_dir: str, limit: str, as_json: bool) -> None:
    """Articles most like a given one (by the key terms of its text).

    Exit 0 when some were found, 1 when none were or no article has that id.

    \b
    Examples:
      news-search similar 1a0097ed4c656636
      news-search similar 1a0097ed4c656636 --limit 3 --json
    """
    from ..errors import ArticleNotFoundError

    with _open_index(index_dir) as ix:
        try:
            res = ix.similar(article_id, limit=limit)
        except ArticleNotFoundError:  # "nothing found", as `show` says it
            _err(f"news-search: no article with id {article_id} in {index_dir}")
            sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        for hit in res.hits:
            _print_hit(hit)
        _err(f"{res.total} similar article{'s' if res.total != 1 else ''}")
    _done(EXIT_MATCH if res.total else EXIT_NO_MATCH)


COMMANDS = [query_command, show_command, similar_command]
