"""The dbt process of a pipeline step (radar.pipeline.dbt_session): one process for all its
dbt commands.

Started as ``python radar/dbt_session.py`` (a file, so that it imports nothing of radar:
it also runs in the Spark virtual environment). It reads one dbt command a line from
standard input, a JSON object: ``args`` (dbt's arguments), ``env`` (the whole environment
of the command) and ``cwd`` (its working folder); runs it with dbt's programmatic runner
(dbtRunner) in that folder and environment and prints dbt's output as the dbt command line
prints it, then the line ``radar-dbt-session: exit <code>`` (the command line's exit codes:
0 success, 1 a node failed, 2 dbt could not run). It ends when its standard input closes.
Since each command brings its own environment and folder, one process can serve the steps
of several runs on several warehouses (radar.pipeline: RADAR_DBT_KEEP_PROCESS).

Python and dbt start once per step instead of once per command: about 4 s a command on
this machine (the churn marts' build after the nightly one, the backtest's builds). After
each command the DuckDB database is closed, so that the pipeline can write the warehouse
between two commands.
"""

import gc
import json
import os
import sys

MARKER = "radar-dbt-session: exit"


def main() -> int:
    from dbt.cli.main import dbtRunner

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = json.loads(line)
            os.chdir(command["cwd"])
            os.environ.clear()
            os.environ.update(command["env"])
            result = dbtRunner().invoke(command["args"])
            code = 0 if result.success else 1 if result.exception is None else 2
            if result.exception is not None:
                print(f"dbt could not run: {result.exception}", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported on the pipeline's console
            print(f"dbt could not run: {type(exc).__name__}: {exc}", flush=True)
            code = 2
        release_duckdb()
        sys.stdout.flush()
        print(f"{MARKER} {code}", flush=True)
    return 0


def release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB database open until the process exits (its own exit hook,
    ``DuckDBConnectionManager.close_all_connections``, drops it): drop it now, so that the
    file's lock goes with the command. No-op without dbt-duckdb (the Spark environment)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    DuckDBConnectionManager.close_all_connections()
    gc.collect()  # the database closes when its last connection object is freed


if __name__ == "__main__":
    sys.exit(main())
