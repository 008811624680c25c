"""The `news-search` command: a thin layer over the Python API.

Each command lives in the module of its pipeline stage; this file only
assembles them into one click group.
"""
from __future__ import annotations

from importlib import import_module

import click

from .. import __version__

_COMMAND_MODULES = ("inspect_cmd", "index_cmd", "query_cmd", "schedule_cmd")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="news-search")
def main() -> None:
    """Full-text search for news archives.

    \b
    Examples:
      news-search index corpus/                 # build or update ./index
      news-search query '"red lines"'           # search it
      news-search inspect article.html --json   # what ingestion makes of a file
    """


for _name in _COMMAND_MODULES:
    for _cmd in import_module(f"{__name__}.{_name}").COMMANDS:
        main.add_command(_cmd)
