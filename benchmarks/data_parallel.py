"""Data-parallel training (distributed=True, torchrun) against one process, same global batch.

Runs ``examples/data_parallel.py`` (a CycleGANTranslator and a GANDomainAdapter on the
bundled digits) in fresh processes, alternating the settings, ``--repeats`` times:

* ``1 proc x T threads``: one process, global batch B, T torch threads;
* ``N procs x 1 thread``: ``torchrun --nproc_per_node=N``, batch B/N per process,
  one torch thread each (the same cores);

and reports median images/s per fit and the ratio to the one-process run::

    python benchmarks/data_parallel.py                      # N = 2, B = 64, 3 repeats
    python benchmarks/data_parallel.py --procs 2 4 --global-batch 128

On a 2-core CPU the two settings share the same two cores, so this measures the cost
of the collectives (gradient all-reduce per optimizer step, loss reduction, buffer
broadcast) against intra-op threading, not a speed-up; on GPUs one process per device
is where data parallelism pays.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "data_parallel.py"
RESULTS = Path(__file__).resolve().parent / "results"


def run(procs, threads, batch, args):
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, str(SCRIPT), "--batch-size", str(batch), "--epochs",
               str(args.epochs), "--n-filters", str(args.n_filters), "--threads", str(threads),
               "--out", out]
        if procs > 1:
            cmd[1:1] = ["-m", "torch.distributed.run", "--standalone",
                        f"--nproc_per_node={procs}"]
        env = {k: v for k, v in os.environ.items() if k != "WORLD_SIZE"}
        env["OMP_NUM_THREADS"] = str(threads)
        subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
        return json.loads((Path(out) / "report.json").read_text())["fits"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, nargs="+", default=[2])
    parser.add_argument("--global-batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads of the one-process run (default: all cores)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-filters", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="data_parallel.json")
    args = parser.parse_args(argv)
    settings = [(1, args.threads)] + [(n, 1) for n in args.procs]
    samples = {s: [] for s in settings}
    start = time.perf_counter()
    for _ in range(args.repeats):
        for procs, threads in settings:
            samples[(procs, threads)].append(run(procs, threads, args.global_batch // procs, args))
    rows = []
    base = None
    print(f"global batch {args.global_batch}, {args.epochs} epochs, {args.n_filters} filters, "
          f"medians of {args.repeats}")
    print(f"{'setting':<22} {'fit':<9} {'images/s':>9} {'vs 1 proc':>10} {'fit s':>7}")
    for procs, threads in settings:
        for fit in ("cyclegan", "adapter"):
            rate = statistics.median(r[fit]["images_per_s"] for r in samples[(procs, threads)])
            secs = statistics.median(r[fit]["seconds"] for r in samples[(procs, threads)])
            if procs == 1:
                base = base or {}
                base[fit] = rate
            row = {"procs": procs, "threads_per_proc": threads,
                   "batch_per_proc": args.global_batch // procs, "fit": fit,
                   "images_per_s": rate, "seconds": secs, "ratio": rate / base[fit],
                   "all_images_per_s": [r[fit]["images_per_s"] for r in samples[(procs, threads)]]}
            rows.append(row)
            label = f"{procs} proc x {threads} thr"
            print(f"{label:<22} {fit:<9} {rate:>9.0f} {row['ratio']:>9.2f}x {secs:>7.2f}")
    RESULTS.mkdir(exist_ok=True)
    payload = {"argv": sys.argv[1:], "cpu_count": os.cpu_count(), "rows": rows,
               "wall_s": time.perf_counter() - start}
    (RESULTS / args.out).write_text(json.dumps(payload, indent=2))
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
