"""`news-search story ID`: a story's copies, with what each changed against the earliest."""
from __future__ import annotations

import json
import sys

import click

from .common import EXIT_MATCH, EXIT_NO_MATCH, index_dir_option, reports_errors, style
from .query_cmd import _date, _open_index


@click.command("story")
@click.argument("story_id", metavar="ID")
@index_dir_option
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: {story, copies, sources, articles: [...]}.")
@reports_errors
def story_command(story_id: str, index_dir: str, as_json: bool) -> None:
    """List the copies of a story (near-duplicate articles grouped at indexing):
    source, date, headline and a short word-level diff against the earliest copy.

    ID is a story id (from `query --collapse`) or the id of any of its articles.
    Exit 0 when found, 1 when no story or article has that id, 2 on error.

    \b
    Examples:
      news-search query 'oil prices' --collapse
      news-search story 3a8ee3f21dce4bd2
      news-search story 3a8ee3f21dce4bd2 --json
    """
    from ..errors import ArticleNotFoundError

    with _open_index(index_dir) as ix:
        try:
            story = ix.story(story_id)
        except ArticleNotFoundError:  # "nothing found", as `show` says it
            click.echo(f"news-search: no story or article with id {story_id} in {index_dir}",
                       err=True)
            sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(story.to_dict(), ensure_ascii=False))
    else:
        out = sys.stdout
        for k, copy in enumerate(story.copies, 1):
            title = style(copy.headline or "(no headline)", out, bold=True)
            click.echo(f"{k:>3}. {title}")
            meta = " · ".join(x for x in (copy.source or "unknown source", _date(copy.published),
                                          copy.id, f"{copy.words} words") if x)
            click.echo("     " + style(meta, out, fg="green"))
            if k == 1:
                click.echo("     earliest copy")
            else:
                click.echo(f"     {copy.similarity:.0%} same words: {copy.diff}")
            click.echo()
        click.echo(f"story {story.id}: {len(story.copies)} cop{'ies' if len(story.copies) != 1 else 'y'}"
                   f" from {', '.join(story.sources) or 'unknown sources'}", err=True)
    sys.exit(EXIT_MATCH)


COMMANDS = [story_command]
