"""`python -m bench`: run the benchmark and print the tables.

python -m bench                          # both configurations, 100 ... 4000 phones
python -m bench --phones 20 --quick      # a smoke run
BENCH_N=2000 python -m bench --config embedded
"""

import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time
import traceback

from . import report
from .proc import Meter
from .run import Run
from .servers import CONFIGS
from .writes import PHASES

DEFAULT_PHONES = "100,500,1000,2000,4000"


def _raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _cpus():
    """(server CPUs, client CPUs) as taskset lists: the last CPU for the phones."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return str(available[0]), {available[0]}
    server = ",".join(str(c) for c in available[:-1])
    return server, {available[-1]}


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="embedded,scaleout", help="embedded, scaleout or both")
    parser.add_argument("--phones", default=os.environ.get("BENCH_N", DEFAULT_PHONES))
    parser.add_argument("--writes", type=int, default=2000, help="writes in the write phase")
    parser.add_argument("--write-seconds", type=float, default=10)
    parser.add_argument(
        "--write-kind", default="letters,pairs",
        help=f"write phases, in order (comma-separated): {', '.join(PHASES)}",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5, help="step changes measured")
    parser.add_argument("--poll-seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2, help="app processes (scaleout)")
    parser.add_argument(
        "--join-sample", type=int, default=50,
        help="phones that join through the form; the others are seated in the database",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="short phases, for the smoke test")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--out", help="write the Markdown tables here too")
    args = parser.parse_args(argv)
    for kind in args.write_kind.split(","):
        if kind not in PHASES:
            parser.error(f"unknown --write-kind {kind}")
    return args


async def bench(args, log=print):
    server_cpus, client_cpus = _cpus()
    os.sched_setaffinity(0, client_cpus)
    files = _raise_open_files()
    info = report.machine()
    info.update(server_cpus=server_cpus, client_cpus=",".join(map(str, sorted(client_cpus))))
    log(f"open files: {files}; server on CPU {server_cpus}, phones on CPU {info['client_cpus']}")
    results = []
    for config in args.config.split(","):
        for phones in [int(n) for n in str(args.phones).split(",")]:
            kwargs = {"cpus": server_cpus, "max_participants": 10000}
            if config == "scaleout":
                kwargs["processes"] = args.processes
            server = CONFIGS[config](**kwargs)
            log(f"{server.describe()}: {phones} phones")
            me = Meter(lambda: [os.getpid()])
            try:
                server.start()
                run = Run(
                    server,
                    phones,
                    writes=args.writes,
                    write_seconds=args.write_seconds,
                    rounds=args.rounds,
                    poll_seconds=args.poll_seconds,
                    quick=args.quick,
                    log=log,
                    writes_kind=args.write_kind,
                    join_sample=args.join_sample,
                )
                me.start()
                result = await asyncio.wait_for(run.execute(), 900 + phones / 2)
                result["client_cpu"] = me.stop()
            except Exception as exc:  # one failed run must not hide the others
                traceback.print_exc()
                failed_run = locals().get("run")
                result = dict(getattr(failed_run, "result", {}))
                result.update(config=server.describe(), phones=phones, failed=repr(exc))
                result["errors"] = dict(getattr(failed_run, "errors", {}))
                result["errors"][f"run failed: {exc!r}"[:200]] = 1
                result["error_count"] = sum(result["errors"].values())
            finally:
                server.stop()
            results.append(result)
            if args.json:  # after each run, so a long sweep keeps what it measured
                with open(args.json, "w") as f:
                    json.dump({"machine": info, "results": results}, f, indent=1, default=str)
    return results, info


def _exit_on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through each run's server.stop()


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    started = time.monotonic()
    results, info = asyncio.run(bench(args))
    text = report.tables(results, info)
    print(text)
    print(f"({time.monotonic() - started:.0f} s)")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "results": results}, f, indent=1, default=str)
    return 0 if all("failed" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
