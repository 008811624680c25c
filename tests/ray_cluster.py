"""Ray for the cluster tests (no tests here): imported, or the importing test module is
skipped without the `cluster` extra, except in CI, which installs it (a missing Ray is then
a failure); and a real two-node cluster on this machine, for a module-scoped fixture:

    cluster = pytest.fixture(scope="module", name="cluster")(two_node_cluster)
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

if os.environ.get("CI"):
    import ray  # noqa: F401 - CI installs the cluster extra: a missing Ray is a failure
ray = pytest.importorskip("ray", reason="needs Ray: pip install -e '.[cluster]'")

from ray.cluster_utils import Cluster  # noqa: E402

__all__ = ["Cluster", "ray", "two_node_cluster"]


# Ray declares a node dead after 5 missed health checks 3 s apart; a 2-CPU CI machine running
# two test workers beside both nodes can starve a raylet that long, and its shards then
# restart on the other node (a spread test saw all four shards on one node once in CI). No
# test here loses a node on purpose, so the tests' clusters wait 20 checks (60 s) instead.
TOLERANT_HEALTH_CHECKS = {"health_check_failure_threshold": 20}


def two_node_cluster() -> Iterator[Cluster]:
    """A real two-node Ray cluster on this machine, stopped with everything it started."""
    c = Cluster(initialize_head=True,
                head_node_args={"num_cpus": 1, "_system_config": TOLERANT_HEALTH_CHECKS})
    c.add_node(num_cpus=1)
    ray.init(address=c.address, log_to_driver=False, logging_level="ERROR")
    c.wait_for_nodes()
    yield c
    ray.shutdown()
    c.shutdown()
