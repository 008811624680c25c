"""Making a Whoosh commit survive power loss: Whoosh itself never calls fsync.

The TOC rename is Whoosh's commit point. After `commit()` returns we fsync every
file that appeared in the generation directory since the last sync (new segment
files and the new TOC), then the directory itself (so the rename and the
deletions of merged-away segments are on disk). Only then is a batch reported
as committed or recorded in the manifest.
"""
from __future__ import annotations

import os
from pathlib import Path


def fsync_path(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectorySyncer:
    """Remembers which files were already synced so each commit syncs only its own."""

    def __init__(self, directory: str | os.PathLike[str], enabled: bool = True):
        self.directory = Path(directory)
        self.enabled = enabled
        self._synced = set(os.listdir(self.directory)) if self.directory.exists() else set()

    def sync_new_files(self) -> int:
        """fsync new files, then the directory; returns how many files were synced."""
        if not self.enabled:
            return 0
        names = set(os.listdir(self.directory))
        fresh = sorted(names - self._synced)
        for name in fresh:
            path = self.directory / name
            if path.is_file():
                fsync_path(path)
        fsync_path(self.directory)
        self._synced = names
        return len(fresh)
