"""CycleGANTranslator training throughput against the reference loop and a plain loop.

Both sides train the same networks (skgan's ResNet generators and PatchGAN
discriminators, built and initialised by the same factories), with the same
losses (LSGAN + cycle + identity), image pools, Adam settings, batch size and
number of steps. skgan's side is ``CycleGANTranslator.fit`` end to end (input
validation, scaling, skorch's loop and callbacks, history); the plain side is a
hand-written loop over tensors already in the networks' scale.

The third side, ``reference``, re-creates the training iteration of the
reference implementation that skgan's networks reproduce (the CycleGAN loop of
the Transfer-Learning-Library, ``examples/.../cycle_gan.py`` with
``dalib.translation.cyclegan``), from reading its code: in-place ReLU /
LeakyReLU in the networks, the four translations computed first, one generator
backward, then one backward call *per discriminator* before a single
discriminator step, its image pool (a Python loop over the batch drawing from
Python's ``random``), batches from a shuffling ``DataLoader`` (``drop_last``;
no worker processes here, as skgan's side), and one ``.item()`` per logged loss
(eight per step). ``--check`` verifies, before anything is timed, that with the
same initial weights and the same images the reference iteration and skgan's
first training step give the same losses and gradients (up to float rounding).

Each measurement runs in its own subprocess (so peak memory is per run) and the
sides alternate, ``--repeats`` times per image size; the table reports medians
and the ratios skgan / reference and skgan / plain images per second.

    python benchmarks/throughput.py                # CPU or GPU, whichever "auto" picks
    python benchmarks/throughput.py --sizes 32 --steps 10 --repeats 2   # quick look
    python benchmarks/throughput.py --check        # reference == skgan, then exit
    python benchmarks/throughput.py --sizes 32 64 --batch-sizes 1 4 --n-filters 64 \
        --sides reference plain skgan skgan-bf16   # the reference's width, bf16 too
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"
STEP_TIMES = []  # the end of every training step of this worker's run (see tick)


def tick(device="cpu"):
    """Record the end of a training step: ``perf_counter()`` on the CPU; on CUDA an event
    recorded in the stream (no synchronisation inside the loop; read by :func:`span`)."""
    if str(device).startswith("cuda"):
        event = torch.cuda.Event(enable_timing=True)
        event.record()
        STEP_TIMES.append(event)
    else:
        STEP_TIMES.append(time.perf_counter())


def span(first, last):
    """Seconds between two :func:`tick` records."""
    if isinstance(first, float):
        return last - first
    torch.cuda.synchronize()
    return first.elapsed_time(last) / 1000.0


def step_clock(device):
    """A skorch callback that calls :func:`tick` after every training batch."""
    from skorch.callbacks import Callback

    class StepClock(Callback):
        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            if training:
                tick(getattr(net, "device", device))

    return StepClock()


def make_data(n, size, seed=0):
    rng = np.random.RandomState(seed)
    X_a = rng.rand(n, 3, size, size).astype(np.float32)
    X_b = (1.0 - rng.rand(n, 3, size, size)).astype(np.float32) ** 2
    return X_a, X_b


def estimator(args, precision="fp32", clock=False):
    from skgan import CycleGANTranslator

    extra = {} if precision == "fp32" else {"precision": precision}  # an older tree has none
    if clock:
        extra["callbacks"] = [step_clock(args.device)]
    return CycleGANTranslator(
        generator="resnet", discriminator="patch", n_filters=args.n_filters,
        n_blocks=args.n_blocks, max_epochs=1, batch_size=args.batch_size, lr_decay=0.0,
        device=args.device, random_state=0, **extra,
    )


def run_skgan(args, X_a, X_b, precision="fp32"):
    est = estimator(args, precision, clock=True)
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
        tick(device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, device


def peak_rss_mib():
    """This process's RSS high-water mark since it started (``VmHWM``; Linux), else ru_maxrss.

    Not ``ru_maxrss`` first: on Linux a child inherits its parent's high-water mark
    at fork and keeps it across exec, so every worker would report at least the
    parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


LAMBDA_CYC, LAMBDA_ID = 10.0, 5.0  # CycleGANTranslator's defaults (the reference's 10 / 0.5 x 10)


def reference_networks(est, shape, init_seed):
    """skgan's networks, with the reference's in-place activations."""
    from torch import nn

    from skgan.training import seeded

    with seeded(init_seed):
        gens, discs = est._build_modules(shape, shape, {})
    for m in itertools.chain(gens.modules(), discs.modules()):
        if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
            m.inplace = True  # the reference builds nn.ReLU(True) / nn.LeakyReLU(0.2, True)
    return gens, discs


class ReferenceImagePool:
    """The reference's image pool: a loop over the batch, Python's ``random``."""

    def __init__(self, pool_size):
        self.pool_size, self.images = pool_size, []

    def query(self, images):
        if self.pool_size == 0:
            return images
        out = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                i = random.randint(0, self.pool_size - 1)
                tmp = self.images[i].clone()
                self.images[i] = image
                out.append(tmp)
            else:
                out.append(image)
        return torch.cat(out, 0)


def reference_iteration(nets, opts, pools, real_s, real_t):
    """One training iteration of the reference loop; returns its eight logged losses."""
    import torch.nn.functional as F

    g_s2t, g_t2s, d_s, d_t = nets
    opt_g, opt_d = opts

    def lsgan(pred, real):
        return F.mse_loss(pred, torch.ones_like(pred) if real else torch.zeros_like(pred))

    fake_t = g_s2t(real_s)
    rec_s = g_t2s(fake_t)
    fake_s = g_t2s(real_t)
    rec_t = g_s2t(fake_s)
    for p in itertools.chain(d_s.parameters(), d_t.parameters()):
        p.requires_grad = False
    opt_g.zero_grad()
    loss_g_s2t = lsgan(d_t(fake_t), True)
    loss_g_t2s = lsgan(d_s(fake_s), True)
    loss_cycle_s = F.l1_loss(rec_s, real_s) * LAMBDA_CYC
    loss_cycle_t = F.l1_loss(rec_t, real_t) * LAMBDA_CYC
    loss_identity_t = F.l1_loss(g_s2t(real_t), real_t) * LAMBDA_ID
    loss_identity_s = F.l1_loss(g_t2s(real_s), real_s) * LAMBDA_ID
    loss_g = loss_g_s2t + loss_g_t2s + loss_cycle_s + loss_cycle_t + loss_identity_s + loss_identity_t
    loss_g.backward()
    opt_g.step()
    for p in itertools.chain(d_s.parameters(), d_t.parameters()):
        p.requires_grad = True
    opt_d.zero_grad()
    fake_s_ = pools[0].query(fake_s.detach())
    loss_d_s = 0.5 * (lsgan(d_s(real_s), True) + lsgan(d_s(fake_s_), False))
    loss_d_s.backward()
    fake_t_ = pools[1].query(fake_t.detach())
    loss_d_t = 0.5 * (lsgan(d_t(real_t), True) + lsgan(d_t(fake_t_), False))
    loss_d_t.backward()
    opt_d.step()
    logged = dict(g_s2t=loss_g_s2t, g_t2s=loss_g_t2s, d_s=loss_d_s, d_t=loss_d_t,
                  cycle_s=loss_cycle_s, cycle_t=loss_cycle_t, idt_s=loss_identity_s,
                  idt_t=loss_identity_t)
    return {k: v.item() for k, v in logged.items()}


def reference_setup(est, shape, init_seed, device):
    gens, discs = reference_networks(est, shape, init_seed)
    gens, discs = gens.to(device), discs.to(device)
    nets = (gens["ab"], gens["ba"], discs["a"], discs["b"])
    opt_g = torch.optim.Adam(itertools.chain(nets[0].parameters(), nets[1].parameters()),
                             lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(itertools.chain(nets[2].parameters(), nets[3].parameters()),
                             lr=2e-4, betas=(0.5, 0.999))
    return nets, (opt_g, opt_d), (ReferenceImagePool(50), ReferenceImagePool(50))


def run_reference(args, X_a, X_b):
    """The reference implementation's training loop over the same networks."""
    from torch.utils.data import DataLoader, TensorDataset

    from skgan.base import resolve_device

    random.seed(0)
    torch.manual_seed(0)
    est = estimator(args)
    device = resolve_device(args.device)
    start = time.perf_counter()
    nets, opts, pools = reference_setup(est, X_a.shape[1:], 0, device)
    pin = device.startswith("cuda")
    loader_s = DataLoader(TensorDataset(torch.from_numpy(X_a) * 2 - 1), batch_size=args.batch_size,
                          shuffle=True, drop_last=True, pin_memory=pin)
    loader_t = DataLoader(TensorDataset(torch.from_numpy(X_b) * 2 - 1), batch_size=args.batch_size,
                          shuffle=True, drop_last=True, pin_memory=pin)
    iter_t = iter(loader_t)
    for (real_s,) in loader_s:
        try:
            (real_t,) = next(iter_t)
        except StopIteration:  # the reference's ForeverDataIterator
            iter_t = iter(loader_t)
            (real_t,) = next(iter_t)
        reference_iteration(nets, opts, pools, real_s.to(device), real_t.to(device))
        tick(device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, device


def check_reference(args):
    """skgan's first step == the reference iteration, same weights and images."""
    # one batch of two copies of one image per domain: skgan's shuffling cannot reorder it
    args = argparse.Namespace(**{**vars(args), "batch_size": 2})
    X_a, X_b = (np.repeat(X, 2, axis=0) for X in make_data(1, args.size, seed=1))
    for X in (X_a, X_b):  # skgan scales float images from their min..max: make it 0..1
        X[:, 0, 0, 0], X[:, 0, 0, 1] = 0.0, 1.0
    est = estimator(args)
    est.set_params(device="cpu")
    init_seed = est._seeds()[0]
    nets, opts, pools = reference_setup(est, X_a.shape[1:], init_seed, "cpu")
    ref = reference_iteration(nets, opts, pools, torch.from_numpy(X_a) * 2 - 1,
                              torch.from_numpy(X_b) * 2 - 1)
    # skgan frees each gradient after its optimizer's step: copy them just before
    used = {}

    def keep_grads(optimizer, *args):
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    used[id(p)] = p.grad.detach().clone()

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    hook = register_optimizer_step_pre_hook(keep_grads)
    try:
        est.fit(X_a, X_target=X_b)
    finally:
        hook.remove()
    batch = est.net_.history[-1]["batches"][0]
    pairs = {
        "g_adv": (batch["g_adv"], ref["g_s2t"] + ref["g_t2s"]),
        "cycle": (batch["cycle"], ref["cycle_s"] + ref["cycle_t"]),
        "identity": (batch["identity"], ref["idt_s"] + ref["idt_t"]),
        "d_adv": (batch["d_adv"], ref["d_s"] + ref["d_t"]),
    }
    ours = dict(itertools.chain(est.net_.module_.named_parameters(),
                                est.net_.discriminator_.named_parameters()))
    theirs = {**{f"ab.{n}": p for n, p in nets[0].named_parameters()},
              **{f"ba.{n}": p for n, p in nets[1].named_parameters()},
              **{f"a.{n}": p for n, p in nets[2].named_parameters()},
              **{f"b.{n}": p for n, p in nets[3].named_parameters()}}
    # gradients, not updated weights: Adam's first step is about lr * sign(grad), so a
    # rounding-level difference in a near-zero gradient moves a weight by up to 2 * lr
    grad_diff = max(float((used[id(ours[n])] - theirs[n].grad).abs().max()) for n in theirs)
    grad_scale = max(float(theirs[n].grad.abs().max()) for n in theirs)
    loss_diff = max(abs(a - b) / max(abs(b), 1e-12) for a, b in pairs.values())
    for name, (a, b) in pairs.items():
        print(f"{name:>9}: skgan {a:.7f}  reference {b:.7f}")
    print(f"max relative loss difference {loss_diff:.2e}; max |gradient difference| "
          f"{grad_diff:.2e} (largest gradient {grad_scale:.2e}) over {len(theirs)} tensors")
    ok = loss_diff < 1e-5 and grad_diff < 1e-4 * grad_scale and set(ours) == set(theirs)
    print("reference check:", "identical up to float rounding" if ok else "DIFFERENT")
    return {"relative_loss_diff": loss_diff, "grad_diff": grad_diff, "grad_scale": grad_scale,
            "identical": ok}


def run_adapter(args, X_a, X_b):
    """``GANDomainAdapter()``'s defaults on MNIST/USPS-shaped data (28x28 uint8, 10 classes)."""
    from skgan import GANDomainAdapter

    rng = np.random.RandomState(0)
    n = args.steps * 64  # the adapter's default batch size
    X_s = rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
    X_t = rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)
    y = rng.randint(0, 10, n)
    est = GANDomainAdapter(max_epochs=1, device=args.device, random_state=0,
                           callbacks=[step_clock(args.device)])
    start = time.perf_counter()
    est.fit(X_s, y, X_target=X_t)
    if est.device_.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, est.device_


def worker(args):
    """One measurement in this process; prints a JSON line."""
    n = args.steps * (64 if args.worker == "adapter" else args.batch_size)
    X_a, X_b = make_data(1 if args.worker == "adapter" else n, args.size)
    if args.device != "cpu" and torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    run = {"skgan": run_skgan, "plain": run_plain, "reference": run_reference, "adapter": run_adapter,
           "skgan-bf16": lambda *a: run_skgan(*a, precision="bf16")}[args.worker]
    seconds, device = run(args, X_a, X_b)
    # steady state: the steps after the first --warmup ones (one-off costs such as
    # building the networks and oneDNN's first call of each kernel shape left out)
    steady = None
    if len(STEP_TIMES) > args.warmup + 1:
        timed = len(STEP_TIMES) - 1 - args.warmup
        per_step = 64 if args.worker == "adapter" else args.batch_size
        steady = timed * per_step / span(STEP_TIMES[args.warmup], STEP_TIMES[-1])
    peak_gpu = torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
    print(json.dumps({
        "side": args.worker, "size": args.size, "seconds": seconds, "images": n,
        "images_per_s": n / seconds, "steady_images_per_s": steady, "device": device,
        "peak_rss_mib": peak_rss_mib(),
        "peak_gpu_mib": peak_gpu,
    }))


def measure(args, side, size, batch_size):
    """One fresh process; a ``*-before`` side imports skgan from ``--before-tree``."""
    import os

    worker_side = side.removesuffix("-before")
    cmd = [sys.executable, __file__, "--worker", worker_side, "--size", str(size),
           "--batch-size", str(batch_size)]
    for key in ("steps", "n_filters", "n_blocks", "device", "warmup"):
        cmd += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    env = dict(os.environ)
    if side.endswith("-before"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.before_tree, env.get("PYTHONPATH")]))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["side"] = side
    return result


SIDES = ("reference", "plain", "skgan", "skgan-bf16", "skgan-before", "adapter", "adapter-before")
RATIOS = [(ours, other) for ours in ("skgan", "skgan-bf16") for other in ("reference", "plain", "skgan-before")]
RATIOS += [("adapter", "adapter-before")]


def main(argv=None):
    parser = argparse.ArgumentParser(description="CycleGANTranslator vs reference and plain throughput")
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[4])
    parser.add_argument("--batch-size", type=int, default=4, help=argparse.SUPPRESS)
    parser.add_argument("--n-filters", type=int, default=32)
    parser.add_argument("--n-blocks", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2,
                        help="steps left out of the steady-state images/s (every side)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES[:3]),
                        help="skgan-bf16: skgan with precision='bf16'; *-before: skgan imported from "
                        "--before-tree; adapter: GANDomainAdapter() defaults on 28x28 digits-shaped "
                        "data, batch 64, --steps steps (its row reads images/s = 64 / s per step)")
    parser.add_argument("--before-tree", default=None,
                        help="a checkout of an earlier skgan (e.g. git worktree add /tmp/old <commit>)")
    parser.add_argument("--check", action="store_true",
                        help="verify reference == skgan on one step (32 px) and exit")
    parser.add_argument("--out", default=None, help="file name in benchmarks/results")
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.check:
        return check_reference(argparse.Namespace(**{**vars(args), "size": args.sizes[0]}))

    check = check_reference(argparse.Namespace(**{**vars(args), "size": args.sizes[0]}))
    rows = []
    for size, batch_size in itertools.product(args.sizes, args.batch_sizes):
        runs = {side: [] for side in args.sides}
        for _ in range(args.repeats):
            for side in args.sides:  # alternate so drift hits every side
                runs[side].append(measure(args, side, size, batch_size))
        med = {s: statistics.median(r["images_per_s"] for r in runs[s]) for s in runs}
        steady = {s: statistics.median(r["steady_images_per_s"] for r in runs[s]) for s in runs
                  if all(r.get("steady_images_per_s") for r in runs[s])}
        row = {"size": size, "batch_size": batch_size, "device": runs[args.sides[0]][0]["device"]}
        for side in args.sides:
            row[f"{side}_images_per_s"] = med[side]
            row[f"{side}_steady_images_per_s"] = steady.get(side)
            row[f"{side}_peak_rss_mib"] = statistics.median(r["peak_rss_mib"] for r in runs[side])
            row[f"{side}_peak_gpu_mib"] = runs[side][0]["peak_gpu_mib"]
        for ours, other in RATIOS:
            if ours in med and other in med:
                row[f"{ours}_over_{other}"] = med[ours] / med[other]
            if ours in steady and other in steady:
                row[f"steady_{ours}_over_{other}"] = steady[ours] / steady[other]
        row["runs"] = runs
        rows.append(row)

    ratios = [k for k in rows[0] if "_over_" in k and not k.startswith("steady_")]
    print(f"{'size':>5} {'batch':>5} " + " ".join(f"{s + ' img/s':>16}" for s in args.sides)
          + " " + " ".join(f"{k.replace('_over_', '/'):>20}" for k in ratios)
          + " " + " ".join(f"{s + ' RSS':>15}" for s in args.sides))
    for r in rows:
        print(f"{r['size']:>5} {r['batch_size']:>5} "
              + " ".join(f"{r[s + '_images_per_s']:>16.2f}" for s in args.sides) + " "
              + " ".join(f"{r[k]:>20.3f}" for k in ratios)
              + " " + " ".join(f"{r[s + '_peak_rss_mib']:>11.0f} MiB" for s in args.sides))
    steady_sides = [s for s in args.sides if rows[0][f"{s}_steady_images_per_s"]]
    if steady_sides:
        steady_ratios = [k for k in rows[0] if k.startswith("steady_")]
        print(f"\nsteady state (steps after the first {args.warmup}; setup left out):")
        print(f"{'size':>5} {'batch':>5} " + " ".join(f"{s + ' img/s':>16}" for s in steady_sides)
              + " " + " ".join(f"{k[7:].replace('_over_', '/'):>20}" for k in steady_ratios))
        for r in rows:
            print(f"{r['size']:>5} {r['batch_size']:>5} "
                  + " ".join(f"{r[s + '_steady_images_per_s']:>16.2f}" for s in steady_sides) + " "
                  + " ".join(f"{r[k]:>20.3f}" for k in steady_ratios))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {
        "benchmark": "throughput",
        "command": "python benchmarks/throughput.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": {k: v for k, v in vars(args).items() if k not in ("worker", "size")},
        "machine": machine_info(),
        "timestamp": stamp,
        "reference_check": check,
        "rows": rows,
    }
    name = args.out or f"throughput_{rows[0]['device'].split(':')[0]}.json"
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
