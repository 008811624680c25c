"""Unattended operation: scheduled reindexing and saved-search alerts.

    from search.indexing import reindex
    from search.schedule import deliver_alerts, read_state
    run = reindex(index_dir)                 # or index_paths(...)
    deliver_alerts(index_dir, run)           # new matches -> alerts/NAME.jsonl
    read_state(index_dir)                    # the scheduler's schedule.json, for `stats`

Modules: `timing` (--every/--cron, due times), `scheduler` (the foreground loop),
`state` (schedule.json for `stats`), `alerts` (saved searches), `delivery`
(exactly-once delivery), `matching` (runs a saved search), `runlog`, `fileio`.
"""
from .delivery import Delivery, deliver_alerts
from .state import read_state

__all__ = ["Delivery", "deliver_alerts", "read_state"]
