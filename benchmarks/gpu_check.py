"""The prepared GPU check: everything a GPU machine should confirm, in one go.

Run it once, early, whenever a GPU machine is available; it writes one JSON
(``benchmarks/results/gpu_check.json``) whose figures go into BENCHMARKS.md.
Each stage has its own time limit so that the whole check fits in about
8 minutes on one GPU; a stage that fails or runs out of time is recorded as
such and the next one still runs.

1. ``smoke``: every public estimator fitted on small data with
   ``device="cuda"`` in fp32, bf16 and fp16: finite losses, outputs on the host
   in float32, ``device_`` reported, a save/load round trip onto the CPU.
2. ``tests``: the test suite's device-aware tests (``-k "device or cuda or precision"``),
   which run their CUDA cases when a GPU is present.
3. ``throughput``: ``benchmarks/throughput.py`` on CUDA at 64, 128 and 256 px
   (batch 4, the reference width of 64 filters): reference loop, skgan fp32,
   skgan bf16; peak GPU memory per run.
4. ``adapter``: one MNIST -> USPS ``GANDomainAdapter`` fit at the benchmark
   setting (``benchmarks/digits_da.py --directions M->U --seeds 0``), when
   the data are present under ``--root``.

    python benchmarks/gpu_check.py                      # on the GPU machine
    python benchmarks/gpu_check.py --device cpu --quick # a dry run of the script here
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from _machine import machine_info

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


def smoke(device, quick):
    """Fit every estimator on the device, in every precision; report what came out."""
    from skgan import GAN, CycleGANTranslator, GANDistiller, GANDomainAdapter, PretrainedGANFineTuner

    rng = np.random.RandomState(0)
    X = rng.rand(64, 1, 16, 16).astype(np.float32)
    Xt = (1.0 - X) ** 2
    y = rng.randint(0, 3, 64)
    epochs = 1 if quick else 3
    rows = []
    for precision in ("fp32", "bf16", "fp16"):
        small = dict(n_filters=8, max_epochs=epochs, batch_size=16, random_state=0,
                     device=device, precision=precision)
        gan = GAN(**small).fit(X)
        makers = {
            "GAN": lambda: gan,
            "CycleGANTranslator": lambda: CycleGANTranslator(n_blocks=1, **small).fit(X, X_target=Xt),
            "GANDomainAdapter": lambda: GANDomainAdapter(**small).fit(X, y, X_target=Xt),
            "PretrainedGANFineTuner": lambda: PretrainedGANFineTuner(
                gan, **{k: v for k, v in small.items() if k != "n_filters"}).fit(Xt),
            "GANDistiller": lambda: GANDistiller(
                gan, n_samples=256, **{k: v for k, v in small.items() if k != "n_filters"}).fit(),
        }
        for name, make in makers.items():
            row = {"estimator": name, "precision": precision}
            start = time.perf_counter()
            try:
                est = make()
                out = est.transform(X) if hasattr(est, "transform") else est.sample(32, random_state=0)
                losses = np.asarray(est.history_[:, "g_loss"], dtype=float)
                with tempfile.TemporaryDirectory() as tmp:
                    est.save(Path(tmp) / "model.pt")
                    back = type(est).load(Path(tmp) / "model.pt", device="cpu")
                row.update(ok=bool(np.isfinite(out).all() and np.isfinite(losses).all()),
                           device_=str(est.device_), out_dtype=str(out.dtype),
                           loaded_on=str(back.device_), seconds=time.perf_counter() - start)
            except Exception as exc:  # recorded, and the next estimator runs
                row.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                           traceback=traceback.format_exc(limit=3))
            rows.append(row)
            print(f"smoke {name:>24} {precision}: {'ok' if row['ok'] else row.get('error')}", flush=True)
    # the GPU-path options: channels_last (with bf16, where it pays) and torch.compile,
    # each against the plain fit of the same seed
    plain_kw = dict(n_blocks=1, n_filters=8, max_epochs=epochs, batch_size=16, random_state=0,
                    device=device)
    plain = CycleGANTranslator(**plain_kw).fit(X, X_target=Xt).transform(X)
    for option, extra in (("channels_last", {"channels_last": True}),
                          ("channels_last+bf16", {"channels_last": True, "precision": "bf16"}),
                          ("compile", {"compile": True})):
        row = {"estimator": "CycleGANTranslator", "option": option}
        start = time.perf_counter()
        try:
            out = CycleGANTranslator(**plain_kw, **extra).fit(X, X_target=Xt).transform(X)
            row.update(ok=bool(np.isfinite(out).all()), seconds=time.perf_counter() - start,
                       max_abs_diff_vs_plain=float(np.abs(out - plain).max()))
        except Exception as exc:
            row.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                       traceback=traceback.format_exc(limit=3))
        rows.append(row)
        print(f"smoke {option:>24}: {'ok' if row['ok'] else row.get('error')}", flush=True)
    return {"ok": all(r["ok"] for r in rows), "rows": rows}


def run_stage(cmd, timeout):
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return {"cmd": " ".join(cmd), "rc": done.returncode, "seconds": time.perf_counter() - start,
                "tail": (done.stdout + done.stderr)[-4000:]}
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return {"cmd": " ".join(cmd), "rc": None, "timed_out": True,
                "seconds": time.perf_counter() - start, "tail": out[-4000:]}


def read_json(name):
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--quick", action="store_true", help="tiny settings (a dry run on CPU)")
    parser.add_argument("--stages", nargs="+", default=["smoke", "tests", "throughput", "adapter"])
    parser.add_argument("--out", default="gpu_check.json")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("gpu_check: no CUDA device here; use --device cpu --quick for a dry run")

    py = sys.executable
    report = {
        "benchmark": "gpu_check",
        "command": "python benchmarks/gpu_check.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "machine": machine_info(cuda_version=torch.version.cuda,
                                gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None),
        "stages": {},
    }
    start = time.perf_counter()

    def save():
        report["total_s"] = time.perf_counter() - start
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / args.out).write_text(json.dumps(report, indent=2, default=str))

    if "smoke" in args.stages:
        if args.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        report["stages"]["smoke"] = smoke(args.device, args.quick)
        if args.device.startswith("cuda"):
            report["stages"]["smoke"]["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
        save()
    if "tests" in args.stages:
        report["stages"]["tests"] = run_stage(
            [py, "-m", "pytest", "-q", "-p", "no:randomly", "tests", "-k", "device or cuda or precision"],
            timeout=60 if args.quick else 120)
        save()
    if "throughput" in args.stages:
        sizes = ["16"] if args.quick else ["64", "128", "256"]
        name = "gpu_check_throughput.json"
        cmd = [py, "benchmarks/throughput.py", "--device", args.device, "--sizes", *sizes,
               "--batch-sizes", "4", "--steps", "2" if args.quick else "20",
               "--repeats", "1" if args.quick else "3",
               "--n-filters", "4" if args.quick else "64", "--n-blocks", "1" if args.quick else "6",
               "--sides", "reference", "skgan", "skgan-bf16", "--out", name]
        stage = run_stage(cmd, timeout=120 if args.quick else 240)
        stage["result"] = read_json(name)
        report["stages"]["throughput"] = stage
        save()
    if "adapter" in args.stages:
        if not (Path(args.root) / "MNIST").exists():
            report["stages"]["adapter"] = {"skipped": f"no MNIST under {args.root}"}
        else:
            name = "gpu_check_digits_da.json"
            cmd = [py, "benchmarks/digits_da.py", "--root", args.root, "--directions", "M->U",
                   "--seeds", "0", "--no-dann", "--out", name]
            if args.quick:
                cmd += ["--n-source", "256", "--n-target", "256", "--epochs", "1", "--no-baselines"]
            stage = run_stage(cmd, timeout=120 if args.quick else 300)
            stage["result"] = read_json(name)
            report["stages"]["adapter"] = stage
        save()
    save()
    for name, stage in report["stages"].items():
        status = stage.get("ok", stage.get("rc") == 0) if "skipped" not in stage else "skipped"
        print(f"{name}: {status} ({stage.get('seconds', 0):.0f} s)")
    print(f"wrote {RESULTS / args.out} in {report['total_s']:.0f} s")


if __name__ == "__main__":
    main()
