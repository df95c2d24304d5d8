"""Peak memory of a CycleGANTranslator fit as the data grows (1x, 4x, 16x images, same batch).

Each fit runs in a fresh process on uint8 colour images written to ``.npy`` files
(both domains the same size), passed as:

* ``array``: loaded into memory (``np.load``): the data itself is in RAM;
* ``memmap``: ``np.load(..., mmap_mode="r")``: pages come from the file as batches
  touch them (the kernel's page cache, counted in RSS as file-backed pages);
* ``dataset``: a ``torch.utils.data.Dataset`` that reads each image with ``os.pread``
  (as an ``ImageFolder`` reads files): nothing of the data is mapped.

For each, peak RSS (``VmHWM``) and the peak of anonymous memory (``RssAnon``, sampled
every 20 ms: what the process itself allocated) are reported, with the ratio to the 1x
fit::

    python benchmarks/streaming.py                          # 2,000 images at 1x, 32x32
    python benchmarks/streaming.py --before-tree /tmp/old   # also an older checkout

``--before-tree`` runs the same fits with the skgan package of another checkout (a
``git worktree`` of an older commit), as a side-by-side comparison.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class PreadImages:
    """Images of a ``.npy`` file read one at a time with ``os.pread`` (no mapping)."""

    def __init__(self, path):
        with open(path, "rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if major == 1
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(f)
            self.offset = f.tell()
        self.path, self.shape, self.dtype = str(path), shape, np.dtype(dtype)
        self.item_bytes = int(np.prod(shape[1:])) * self.dtype.itemsize
        self.fd = None

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, i):
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDONLY)
        raw = os.pread(self.fd, self.item_bytes, self.offset + int(i) * self.item_bytes)
        return np.frombuffer(raw, dtype=self.dtype).reshape(self.shape[1:])


def worker(spec):
    sys.path.insert(0, spec["tree"])
    import torch
    from torch.utils.data import Dataset

    import skgan
    from skgan import CycleGANTranslator

    torch.set_num_threads(spec["threads"])
    peak = {"anon": status_kib("RssAnon")}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak["anon"] = max(peak["anon"], status_kib("RssAnon"))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    baseline = {"VmRSS_kib": status_kib("VmRSS"), "RssAnon_kib": status_kib("RssAnon")}
    if spec["input"] == "array":
        A, B = np.load(spec["a"]), np.load(spec["b"])
    elif spec["input"] == "memmap":
        A, B = np.load(spec["a"], mmap_mode="r"), np.load(spec["b"], mmap_mode="r")
    else:
        class Images(PreadImages, Dataset):
            pass
        A, B = Images(spec["a"]), Images(spec["b"])
    tr = CycleGANTranslator(generator="unet", n_filters=8, lambda_id=0.0, max_epochs=1,
                            batch_size=spec["batch_size"], random_state=0)
    start = time.perf_counter()
    error = None
    try:
        tr.fit(A, X_target=B)
    except Exception as exc:  # an older tree may not take this input
        error = f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    peak["anon"] = max(peak["anon"], status_kib("RssAnon"))
    print(json.dumps({"VmHWM_kib": status_kib("VmHWM"), "peak_RssAnon_kib": peak["anon"],
                      "baseline": baseline, "fit_s": seconds, "error": error,
                      "skgan": skgan.__file__}))


def make_data(folder, n, size, seed):
    rng = np.random.default_rng(seed)
    paths = []
    for name in ("a", "b"):
        path = Path(folder) / f"{name}_{n}.npy"
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 3, size, size))
        for start in range(0, n, 4096):
            stop = min(n, start + 4096)
            out[start:stop] = rng.integers(0, 256, size=(stop - start, 3, size, size),
                                           dtype=np.uint8)
        out.flush()
        del out
        paths.append(str(path))
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--base", type=int, default=2000, help="images per domain at 1x")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--inputs", nargs="+", default=["array", "memmap", "dataset"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--before-tree", help="another checkout to compare with")
    parser.add_argument("--out", default="streaming.json")
    args = parser.parse_args(argv)
    if args.worker:
        return worker(json.loads(args.worker))
    trees = [("skgan", str(ROOT))] + ([("before", args.before_tree)] if args.before_tree else [])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for factor in args.factors:
            n = args.base * factor
            a, b = make_data(folder, n, args.size, factor)
            for side, tree in trees:
                for kind in args.inputs:
                    spec = {"tree": tree, "input": kind, "a": a, "b": b, "threads": args.threads,
                            "batch_size": args.batch_size}
                    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads),
                           "PYTHONPATH": tree}
                    out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                                         check=True, capture_output=True, text=True, env=env)
                    result = json.loads(out.stdout.strip().splitlines()[-1])
                    rows.append({"side": side, "input": kind, "factor": factor, "images": n,
                                 "data_mib_per_domain": n * 3 * args.size ** 2 / 2**20,
                                 **result})
                    print(f"{side:<7} {kind:<8} {factor:>3}x {n:>7} images: VmHWM "
                          f"{result['VmHWM_kib'] / 1024:7.0f} MiB, peak anon "
                          f"{result['peak_RssAnon_kib'] / 1024:7.0f} MiB, fit "
                          f"{result['fit_s']:6.1f} s {result['error'] or ''}", flush=True)
    print(f"\n{'side':<7} {'input':<8} {'factor':>6} {'VmHWM MiB':>10} {'vs 1x':>6} "
          f"{'anon MiB':>9} {'vs 1x':>6}")
    for row in rows:
        first = next(r for r in rows if r["side"] == row["side"] and r["input"] == row["input"])
        row["VmHWM_vs_1x"] = row["VmHWM_kib"] / first["VmHWM_kib"]
        row["anon_vs_1x"] = row["peak_RssAnon_kib"] / first["peak_RssAnon_kib"]
        print(f"{row['side']:<7} {row['input']:<8} {row['factor']:>5}x "
              f"{row['VmHWM_kib'] / 1024:>10.0f} {row['VmHWM_vs_1x']:>5.2f}x "
              f"{row['peak_RssAnon_kib'] / 1024:>9.0f} {row['anon_vs_1x']:>5.2f}x")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps({"argv": sys.argv[1:], "rows": rows}, indent=2))
    print(f"wrote {RESULTS / args.out}")


if __name__ == "__main__":
    main()
