"""CycleGANTranslator training throughput against a plain PyTorch loop.

Both sides train the same networks (skgan's ResNet generators and PatchGAN
discriminators, built and initialised by the same factories), with the same
losses (LSGAN + cycle + identity), image pools, Adam settings, batch size and
number of steps. skgan's side is ``CycleGANTranslator.fit`` end to end (input
validation, scaling, skorch's loop and callbacks, history); the plain side is a
hand-written loop over tensors already in the networks' scale.

Each measurement runs in its own subprocess (so peak memory is per run) and the
two sides alternate, ``--repeats`` times per image size; the table reports
medians and the ratio skgan / plain images per second (1.0 = no overhead).

    python benchmarks/throughput.py                # CPU or GPU, whichever "auto" picks
    python benchmarks/throughput.py --sizes 32 --steps 10 --repeats 2   # quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results"


def make_data(n, size, seed=0):
    rng = np.random.RandomState(seed)
    X_a = rng.rand(n, 3, size, size).astype(np.float32)
    X_b = (1.0 - rng.rand(n, 3, size, size)).astype(np.float32) ** 2
    return X_a, X_b


def estimator(args):
    from skgan import CycleGANTranslator

    return CycleGANTranslator(
        generator="resnet", discriminator="patch", n_filters=args.n_filters,
        n_blocks=args.n_blocks, max_epochs=1, batch_size=args.batch_size, lr_decay=0.0,
        device=args.device, random_state=0,
    )


def run_skgan(args, X_a, X_b):
    est = estimator(args)
    start = time.perf_counter()
    est.fit(X_a, X_target=X_b)
    if est.device_.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, est.device_


def run_plain(args, X_a, X_b):
    """A minimal hand-written CycleGAN loop over the same networks and losses."""
    import torch.nn.functional as F

    from skgan.base import resolve_device
    from skgan.nn import GANLoss
    from skgan.training import ImagePool, seeded

    est = estimator(args)
    device = resolve_device(args.device)
    start = time.perf_counter()
    shape = X_a.shape[1:]
    with seeded(0):
        gens, discs = est._build_modules(shape, shape, {})
    gens, discs = gens.to(device), discs.to(device)
    gan = GANLoss("lsgan").to(device)
    opt_g = torch.optim.Adam(gens.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discs.parameters(), lr=2e-4, betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(0)
    pools = {"a": ImagePool(50, rng), "b": ImagePool(50, rng)}
    A = torch.from_numpy(X_a) * 2 - 1
    B = torch.from_numpy(X_b) * 2 - 1
    order_a, order_b = torch.randperm(len(A), generator=rng), torch.randperm(len(B), generator=rng)
    bs, lam_c, lam_i = args.batch_size, 10.0, 5.0
    for step in range(len(A) // bs):
        real_a = A[order_a[step * bs:(step + 1) * bs]].to(device)
        real_b = B[order_b[step * bs:(step + 1) * bs]].to(device)
        for p in discs.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        fake_b, fake_a = gens["ab"](real_a), gens["ba"](real_b)
        loss_g = (
            gan.generator_loss(discs["b"](fake_b)) + gan.generator_loss(discs["a"](fake_a))
            + lam_c * (F.l1_loss(gens["ba"](fake_b), real_a) + F.l1_loss(gens["ab"](fake_a), real_b))
            + lam_i * (F.l1_loss(gens["ab"](real_b), real_b) + F.l1_loss(gens["ba"](real_a), real_a))
        )
        loss_g.backward()
        opt_g.step()
        for p in discs.parameters():
            p.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        fb, fa = pools["b"].query(fake_b.detach()), pools["a"].query(fake_a.detach())
        loss_d = (gan.discriminator_loss(discs["b"](real_b), discs["b"](fb))
                  + gan.discriminator_loss(discs["a"](real_a), discs["a"](fa)))
        loss_d.backward()
        opt_d.step()
        loss_g.item(), loss_d.item()  # a loop logs its losses too
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, device


def worker(args):
    """One measurement in this process; prints a JSON line."""
    n = args.steps * args.batch_size
    X_a, X_b = make_data(n, args.size)
    if args.device != "cpu" and torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    seconds, device = (run_skgan if args.worker == "skgan" else run_plain)(args, X_a, X_b)
    peak_gpu = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    print(json.dumps({
        "side": args.worker, "size": args.size, "seconds": seconds, "images": n,
        "images_per_s": n / seconds, "device": device,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_gpu_mib": peak_gpu,
    }))


def measure(args, side, size):
    cmd = [sys.executable, __file__, "--worker", side, "--size", str(size)]
    for key in ("steps", "batch_size", "n_filters", "n_blocks", "device"):
        cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description="CycleGANTranslator vs plain PyTorch throughput")
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--n-filters", type=int, default=32)
    parser.add_argument("--n-blocks", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--worker", choices=["skgan", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    rows = []
    for size in args.sizes:
        runs = {"skgan": [], "plain": []}
        for _ in range(args.repeats):
            for side in ("plain", "skgan"):  # alternate so drift hits both sides
                runs[side].append(measure(args, side, size))
        med = {s: statistics.median(r["images_per_s"] for r in runs[s]) for s in runs}
        rows.append({
            "size": size,
            "plain_images_per_s": med["plain"],
            "skgan_images_per_s": med["skgan"],
            "ratio": med["skgan"] / med["plain"],
            "plain_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["plain"]),
            "skgan_peak_rss_mib": max(r["peak_rss_mib"] for r in runs["skgan"]),
            "plain_peak_gpu_mib": runs["plain"][0]["peak_gpu_mib"],
            "skgan_peak_gpu_mib": runs["skgan"][0]["peak_gpu_mib"],
            "device": runs["skgan"][0]["device"],
            "runs": runs,
        })

    header = f"{'size':>6} {'plain img/s':>12} {'skgan img/s':>12} {'ratio':>6} {'plain RSS MiB':>14} {'skgan RSS MiB':>14}"
    print(header)
    for r in rows:
        print(f"{r['size']:>6} {r['plain_images_per_s']:>12.2f} {r['skgan_images_per_s']:>12.2f} "
              f"{r['ratio']:>6.3f} {r['plain_peak_rss_mib']:>14.0f} {r['skgan_peak_rss_mib']:>14.0f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "benchmark": "throughput",
        "command": "python benchmarks/throughput.py " + " ".join(sys.argv[1:]),
        "settings": {k: v for k, v in vars(args).items() if k not in ("worker", "size")},
        "machine": {"platform": platform.platform(), "torch": torch.__version__,
                    "threads": torch.get_num_threads()},
        "timestamp": stamp,
        "rows": rows,
    }
    path = RESULTS / f"throughput_{rows[0]['device'].split(':')[0]}.json"
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
