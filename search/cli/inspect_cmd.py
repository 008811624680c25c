"""`news-search inspect`: what ingestion makes of files, without indexing."""
from __future__ import annotations

import json
import sys

import click

from ..article import Article, format_published
from ..ingest import IngestOptions, Skip
from .common import EXIT_MATCH, EXIT_NO_MATCH, index_dir_option, ingest_options, style

_FIELDS = ("headline", "source", "published", "url", "author", "language", "section", "tags",
           "path", "id", "content_hash")


def _print_article(a: Article, body_chars: int) -> None:
    click.echo(style(a.headline, bold=True))
    for name in _FIELDS[1:]:
        value = getattr(a, name)
        if name == "published" and value is not None:
            value = format_published(value, a.published_precision)  # `2021-03`: only a month
        if name == "tags":
            value = ", ".join(value) or None
        how = a.provenance.get(name)
        click.echo(f"  {name + ':':<14}{value if value is not None else '-'}"
                   + (style(f"   [{how}]", dim=True) if how else ""))
    for name in ("headline", "body", "encoding", "format", "chrome"):
        if name in a.provenance:
            click.echo(f"  {'how ' + name + ':':<14}{a.provenance[name]}")
    body = a.body if body_chars < 0 else a.body[:body_chars] + ("…" if len(a.body) > body_chars else "")
    click.echo(f"  {'body:':<14}{len(a.body):,} characters")
    for line in body.splitlines():
        click.echo(f"    {line}")
    click.echo()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True,
              help='One JSON document: {"articles": [...], "skipped": [...]}.')
@click.option("--jsonl", "as_jsonl", is_flag=True,
              help='One JSON object per line: an article, or {"skipped": ...}.')
@click.option("--body-chars", type=int, default=300, show_default=True,
              help="How much of each body to show (-1: all).")
@index_dir_option
@ingest_options
def inspect(paths: tuple[str, ...], as_json: bool, as_jsonl: bool, body_chars: int,
            index_dir: str, ingest: IngestOptions) -> None:
    """Show what ingestion makes of files: fields, how each was found, and skips.

    Nothing is indexed. Use it to debug a new corpus before indexing it.
    A file inside a corpus root of the index (--index-dir) is shown with the
    path and id the index gives it, so `show ID` finds it.
    Exit status: 0 when at least one article was read, 1 when none was.

    \b
    Examples:
      news-search inspect corpus/
      news-search inspect feed.xml --json | jq '.articles[].headline'
      news-search inspect corpus/ --jsonl | jq -c 'select(.skipped)'
      news-search inspect test.csv --csv-columns section,headline,body
    """
    from ..indexing.store import read_meta
    from ..ingest import read_corpus  # the readers are heavy: load them only when used

    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    articles = skips = 0
    skipped: list[dict] = []  # --json lists them after the articles (few, and small)
    if as_json:
        click.echo('{"articles": [', nl=False)
    try:
        roots = list(read_meta(index_dir).get("roots", []))
    except Exception:  # noqa: BLE001 - no index (or an unreadable one): ids as given
        roots = []
    for item in read_corpus(paths, ingest, roots=roots):
        if isinstance(item, Skip):
            skips += 1
            if as_json:
                skipped.append(item.to_dict())
            elif as_jsonl:
                click.echo(json.dumps({"skipped": item.to_dict()}, ensure_ascii=False))
            else:
                click.echo(style(f"skipped {item}", stream=sys.stderr, fg="yellow"), err=True)
            continue
        if as_json:  # written as read: a corpus of 30,000 articles is never held whole
            click.echo(("," if articles else "") + json.dumps(item.to_dict(), ensure_ascii=False),
                       nl=False)
        elif as_jsonl:
            click.echo(json.dumps(item.to_dict(), ensure_ascii=False))
        else:
            _print_article(item, body_chars)
        articles += 1
    if as_json:
        click.echo('], "skipped": ' + json.dumps(skipped, ensure_ascii=False) + "}")
    click.echo(f"{articles:,} article(s), {skips:,} skipped", err=True)
    sys.stdout.flush()  # a closed pipe shows up here, where the group handles it quietly
    sys.exit(EXIT_MATCH if articles else EXIT_NO_MATCH)


COMMANDS = [inspect]
