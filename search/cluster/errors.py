"""The errors of a sharded archive: `search.errors.NewsSearchError` subclasses (one line, exit 2)."""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import NewsSearchError


class ClusterError(NewsSearchError):
    """The sharded archive or its Ray cluster cannot be used: no archive manifest, Ray not
    installed (`pip install 'news-search[cluster]'`), or the cluster cannot be reached."""


class ShardUnavailableError(ClusterError):
    """A shard did not answer in time (dead, restarting, or over its time limit).

    `shards` names them; `allow_partial=True` (`--allow-partial`) answers from the others
    instead, with the results flagged `partial`."""

    def __init__(self, message: str, shards: Sequence[str] = ()):
        super().__init__(message)
        self.shards = list(shards)
