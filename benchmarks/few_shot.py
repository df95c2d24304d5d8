"""Few-shot GAN transfer MNIST -> USPS: from scratch vs fine-tuning vs FreezeD.

A :class:`~skgan.GAN` is pretrained on MNIST. By default the MNIST digits are
first cropped to their central 20x20 box and resized back to 28x28, so that they
fill the frame as USPS digits (resized from 16x16 to 28x28) do; ``--mnist-crop 0``
uses raw MNIST, whose centred small digits are much further from USPS. For each
target size N (USPS training images, 28x28), these models are trained for the
same number of generator/discriminator steps and compared:

* ``scratch``: new networks (``PretrainedGANFineTuner(pretrained=None)``);
* ``fine-tune``: every layer of the pretrained GAN trained;
* ``freezeD-k``: the first k discriminator blocks frozen (FreezeD);

plus the ``pretrained`` MNIST GAN itself, untouched. Each model draws as many
samples as the USPS test split has images; FID and KID are computed in the
feature space of a LeNet fitted on labelled USPS training data ("LeNet FID")
against the USPS test split, every ``--eval-every`` steps (training continues
with ``warm_start``), so the table gives the FID at the last step and the best
FID seen. Columns: FID, KID (mean ± std over
subsets; large because LeNet features are unnormalised ReLU activations), fit wall time, peak memory of the fit (RSS high-water mark on CPU,
``torch.cuda.max_memory_allocated`` on GPU). Data come from a local torchvision
layout (see ``../shared/data/README.md``); nothing is downloaded.

    python benchmarks/few_shot.py                      # defaults, < 10 min on 2 CPU cores
    python benchmarks/few_shot.py --steps 200 --pretrain-epochs 1 --n-target 10
    python benchmarks/few_shot.py --augment none translation,cutout   # with and without DiffAugment
    python benchmarks/few_shot.py --seeds 0 1 2       # three whole runs; mean ± std of the ratios
    python benchmarks/few_shot.py --ema none 0.99     # with and without an EMA generator
    python benchmarks/few_shot.py --pair mnist-classes  # new classes: MNIST 0-4 -> 5-9
    python benchmarks/few_shot.py --freeze-generator 0 1   # also with G's first block frozen

``--pair mnist-classes`` is the harder transfer: the GAN is pretrained on MNIST
digits 0-4 (raw, no crop) and fine-tuned on N training images of digits 5-9;
the LeNet is fitted on labelled MNIST training digits 5-9 and FID/KID are
against 2,007 of the MNIST test digits 5-9 (as many as USPS test has). Every setting (``--augment`` x ``--ema``)
trains every method, and the summary adds, per seed, the best fine-tuned FID
over all settings divided by the best scratch FID over all settings
("best vs best").

With several ``--seeds`` each seed pretrains its own MNIST GAN, draws its own N
target images and fine-tunes under its own seed; the LeNet feature extractor
(and so the FID scale) is the same for all: it is fitted under the first seed,
or under ``--lenet-seed``, which puts a run of one later seed on the scale of
a whole 3-seed run. The JSON is rewritten after every
seed (``"complete": false`` until the last).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from torchvision.transforms.functional import resize

from skgan import GAN, PretrainedGANFineTuner
from skgan.datasets import load_mnist, load_usps
from skgan.metrics import ClassifierFeatureExtractor, frechet_distance, kernel_distance
from _machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def reset_peak_memory():
    """Reset the peak-memory counter: CUDA's, or the process's RSS high-water mark."""
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
        return
    try:  # Linux: writing 5 to clear_refs resets VmHWM
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_memory_mib():
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_fit(make, X):
    reset_peak_memory()
    start = time.perf_counter()
    model = make().fit(X)
    return model, time.perf_counter() - start, peak_memory_mib()


def crop_frame(X, crop):
    """Central ``crop`` x ``crop`` box of each image, resized back to the image size."""
    if not crop:
        return X
    lo, size = (X.shape[1] - crop) // 2, X.shape[1]
    T = torch.from_numpy(X[:, lo:lo + crop, lo:lo + crop])[:, None]
    return resize(T, [size, size], antialias=True)[:, 0].numpy()


def evaluate(model, X_test, lenet, args, seed):
    fake = model.sample(len(X_test), random_state=seed)
    fid = frechet_distance(X_test, fake, feature_extractor=lenet)
    kid, kid_std = kernel_distance(X_test, fake, feature_extractor=lenet, n_subsets=args.kid_subsets,
                                   subset_size=1000, random_state=seed, return_std=True)
    return {"fid": fid, "kid": kid, "kid_std": kid_std}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--n-target", type=int, nargs="+", default=[100, 10])
    parser.add_argument("--freeze", type=int, nargs="+", default=[1, 2, 3],
                        help="FreezeD: numbers of discriminator blocks to freeze")
    parser.add_argument("--freeze-generator", type=int, nargs="+", default=[0],
                        help="generator blocks to freeze on every fine-tuned model (0: none; "
                             "1: the latent projection, TransferGAN-style); one row per value")
    parser.add_argument("--steps", type=int, default=600, help="fine-tuning steps per model")
    parser.add_argument("--eval-every", type=int, default=100, help="steps between FID checkpoints")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--pretrain-samples", type=int, default=30000)
    parser.add_argument("--pretrain-epochs", type=int, default=6)
    parser.add_argument("--mnist-crop", type=int, default=20,
                        help="crop MNIST to this central box and resize back (0: raw MNIST)")
    parser.add_argument("--n-filters", type=int, default=32)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--discriminator", default="dcgan")
    parser.add_argument("--loss", default="vanilla")
    parser.add_argument("--augment", nargs="+", default=["none"],
                        help="DiffAugment settings to compare, each applied to every fine-tuned "
                             "and scratch model: 'none' or policies such as translation,cutout "
                             "(pretraining is never augmented)")
    parser.add_argument("--ema", nargs="+", default=["none"],
                        help="EMA generator decays to compare ('none' = no EMA), e.g. none 0.99")
    parser.add_argument("--ema-warmup", action="store_true",
                        help="ramp the EMA decay up (the estimators' default since 2026-12-01); "
                             "off: the constant decay the recorded tables used")
    parser.add_argument("--gradient-penalty", nargs="+", default=["none"], choices=["none", "r1"],
                        help="discriminator penalties to compare on every fine-tuned and scratch "
                             "model, weighted by --lambda-gp: 'r1' (Mescheder et al. 2018) or "
                             "'none', which is the estimators' gradient_penalty='auto' (no penalty "
                             "except WGAN-GP with --loss wgan-gp)")
    parser.add_argument("--lambda-gp", type=float, default=10.0,
                        help="weight of the penalty (the estimators' lambda_gp)")
    parser.add_argument("--pair", choices=["mnist-usps", "mnist-classes"], default="mnist-usps",
                        help="mnist-usps: same classes, new style; mnist-classes: MNIST 0-4 -> 5-9")
    parser.add_argument("--lenet-epochs", type=int, default=4)
    parser.add_argument("--lenet-seed", type=int, default=None,
                        help="seed of the LeNet feature extractor (default: the first of --seeds); "
                             "0 puts a one-seed run on the scale of the 3-seed runs")
    parser.add_argument("--kid-subsets", type=int, default=50)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="one whole run (pretraining, target subsets, fine-tuning) per seed; the "
                             "summary gives mean and std over seeds")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--out", default="few_shot.json", help="file name in benchmarks/results")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*pretrained=None; training new networks")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    run_start = time.perf_counter()

    root = Path(args.root)
    X_mnist_all, y_mnist_all = load_mnist(root)
    if args.pair == "mnist-usps":
        X_usps, y_usps = load_usps(root / "usps", size=28)
        X_test, y_test = load_usps(root / "usps", train=False, size=28)
        target_name = "USPS"
    else:  # new classes: pretrain on digits 0-4, adapt to digits 5-9
        X_mnist_test, y_mnist_test = load_mnist(root, train=False)
        new = y_mnist_all >= 5
        X_usps, y_usps = X_mnist_all[new], y_mnist_all[new]
        X_mnist_all = X_mnist_all[~new]
        X_test, y_test = X_mnist_test[y_mnist_test >= 5], y_mnist_test[y_mnist_test >= 5]
        keep = np.sort(np.random.RandomState(0).permutation(len(X_test))[:2007])  # USPS test's size
        X_test, y_test = X_test[keep], y_test[keep]
        args.mnist_crop = 0
        target_name = "MNIST 5-9"

    start = time.perf_counter()
    lenet_seed = args.seeds[0] if args.lenet_seed is None else args.lenet_seed
    lenet = ClassifierFeatureExtractor(n_filters=32, max_epochs=args.lenet_epochs,
                                       random_state=lenet_seed, device=device).fit(X_usps, y_usps)
    lenet_s = time.perf_counter() - start
    lenet_acc = lenet.score(X_test, y_test)
    print(f"LeNet features: {target_name} test accuracy {100 * lenet_acc:.2f}% ({lenet_s:.0f} s)", flush=True)

    real = {"fid": frechet_distance(X_test, X_usps[:len(X_test)], feature_extractor=lenet),
            "kid": kernel_distance(X_test, X_usps[:len(X_test)], feature_extractor=lenet,
                                   n_subsets=args.kid_subsets, random_state=lenet_seed)}
    X_mnist = crop_frame(X_mnist_all[:len(X_test)], args.mnist_crop)
    real["mnist_fid"] = frechet_distance(X_test, X_mnist, feature_extractor=lenet)
    print(f"reference: {target_name} train vs test FID {real['fid']:.2f}; pretraining MNIST vs {target_name} test "
          f"{real['mnist_fid']:.2f}", flush=True)

    rows = []
    for seed in args.seeds:
        rows += run_seed(seed, args, X_mnist_all, X_usps, X_test, lenet, device)
        if seed != args.seeds[-1]:
            write_results(args, argv, run_start, lenet_acc, real, rows, complete=False)

    total_s, summary = write_results(args, argv, run_start, lenet_acc, real, rows, complete=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'seed':>4} {'N':>5} {'method':>30} {'FID':>8} {'best FID (step)':>16} {'KID':>21} "
          f"{'steps':>6} {'fit s':>6} {'peak MiB':>9}")
    for r in rows:
        n = "-" if r["n_target"] is None else r["n_target"]
        best = f"{r['best_fid']:.2f} ({r['best_step']})" if "best_fid" in r else "-"
        print(f"{r['seed']:>4} {n:>5} {r['method']:>30} {r['fid']:8.2f} {best:>16} {r['kid']:11.4g} ± "
              f"{r['kid_std']:7.2g} {r['steps']:>6} {r['fit_s']:6.0f} {r['peak_mib']:9.0f}")
    print(f"real data: {target_name} train vs test FID {real['fid']:.2f}, KID {real['kid']:.4g}; "
          f"pretraining MNIST vs {target_name} test FID {real['mnist_fid']:.2f}")
    for key, s in summary.items():
        if key == "best_vs_best":
            continue
        print(f"N={key} over seeds {args.seeds}: best fine-tuned / scratch FID = "
              f"{fmt(s['best_fine_tuned_over_scratch_fid'])} (target <= 0.5; full fine-tuning "
              f"{fmt(s['fine_tune_over_scratch_fid'])}); best FreezeD - full fine-tune FID = "
              f"{fmt(s['best_freezeD_minus_fine_tune_fid'], '+.1f')} (target <= 0); "
              f"FID by method: " + ", ".join(f"{m} {fmt(v, '.1f')}" for m, v in s["fid"].items()))
    for n, s in summary.get("best_vs_best", {}).items():
        print(f"N={n}: best fine-tuned FID over all settings / best scratch FID over all settings = "
              f"{fmt(s['ratio'])} (target <= 0.45); winners "
              + "; ".join(f"seed {w['seed']}: {w['fine_tuned']} vs {w['scratch']}" for w in s["winners"]))
    print(f"total wall time {total_s:.0f} s, peak RSS of the whole run {peak:.0f} MiB")


def fmt(stats, spec=".2f"):
    """``mean ± std (n)`` of a summary entry."""
    if stats is None:
        return "-"
    return f"{stats['mean']:{spec}} ± {stats['std']:{spec.lstrip('+')}} (n={stats['n']})"


def run_seed(seed, args, X_mnist_all, X_usps, X_test, lenet, device):
    """Pretrain on MNIST and fine-tune every method on every N, all under ``seed``."""
    X_mnist = X_mnist_all[np.random.RandomState(seed).permutation(len(X_mnist_all))[: args.pretrain_samples]]
    X_mnist = crop_frame(X_mnist, args.mnist_crop)
    common = dict(latent_dim=args.latent_dim, n_filters=args.n_filters, loss=args.loss,
                  discriminator=args.discriminator, device=device, verbose=args.verbose)
    gan, pre_s, pre_mem = timed_fit(
        lambda: GAN(max_epochs=args.pretrain_epochs, batch_size=64, random_state=seed, **common),
        X_mnist)
    pre_steps = args.pretrain_epochs * (len(X_mnist) // 64)
    print(f"seed {seed}: pretrained GAN on {len(X_mnist)} MNIST images: {pre_steps} steps, "
          f"{pre_s:.0f} s", flush=True)

    rows = []
    pretrained_scores = evaluate(gan, X_test, lenet, args, seed)
    mnist_fid = frechet_distance(X_mnist[:len(X_test)], gan.sample(len(X_test), random_state=1),
                                 feature_extractor=lenet)
    rows.append({"seed": seed, "n_target": None, "method": "pretrained", "steps": pre_steps,
                 "fit_s": pre_s, "peak_mib": pre_mem, **pretrained_scores, "fid_vs_mnist": mnist_fid})
    print(f"{'':>6} pretrained (MNIST GAN, no fine-tuning): FID {pretrained_scores['fid']:.2f} "
          f"(FID vs MNIST {mnist_fid:.2f})", flush=True)

    methods = []
    for augment, ema, penalty in settings(args):
        suffix = setting_suffix(augment, ema, penalty)
        setting = (augment, ema, penalty)
        methods.append((f"scratch{suffix}", None, 0, 0, *setting))
        for g in args.freeze_generator:
            tag = f" G{g}" if g else ""  # generator blocks frozen
            methods.append((f"fine-tune{tag}{suffix}", gan, 0, g, *setting))
            methods += [(f"freezeD-{k}{tag}{suffix}", gan, k, g, *setting) for k in args.freeze]
    for n in args.n_target:
        idx = np.random.RandomState(seed).permutation(len(X_usps))[:n]
        X_few = X_usps[idx]
        batch = min(args.batch_size, n)
        per_epoch = n // batch if n > batch else 1  # the last incomplete batch is dropped
        chunk = math.ceil(args.eval_every / per_epoch)  # epochs between checkpoints
        n_chunks = math.ceil(args.steps / (chunk * per_epoch))
        for method, pretrained, k, g, augment, ema, penalty in methods:
            arch = ({"latent_dim": args.latent_dim, "n_filters": args.n_filters,
                     "discriminator": args.discriminator} if pretrained is None else {})
            ft = PretrainedGANFineTuner(
                pretrained, freeze_discriminator=k, freeze_generator=g, max_epochs=chunk, batch_size=batch,
                lr=args.lr, loss=args.loss, augment=augment, ema=ema,
                gradient_penalty="auto" if penalty is None else penalty, lambda_gp=args.lambda_gp,
                ema_warmup=args.ema_warmup, random_state=seed,
                device=device, verbose=args.verbose, warm_start=True, **arch)
            curve, fit_s, mem = [], 0.0, 0.0
            for i in range(n_chunks):
                # warm start trains on to max_epochs (the total): raise it by one chunk
                ft.set_params(max_epochs=chunk * (i + 1))
                ft, chunk_s, chunk_mem = timed_fit(lambda est=ft: est, X_few)
                fit_s, mem = fit_s + chunk_s, max(mem, chunk_mem)
                curve.append({"step": ft.n_epochs_ * per_epoch,
                              **evaluate(ft, X_test, lenet, args, seed)})
            best = min(curve, key=lambda c: c["fid"])
            row = {"seed": seed, "n_target": n, "method": method, "steps": curve[-1]["step"],
                   "fit_s": fit_s, "peak_mib": mem,
                   **{k_: curve[-1][k_] for k_ in ("fid", "kid", "kid_std")},
                   "best_fid": best["fid"], "best_step": best["step"], "curve": curve}
            row["augment"], row["ema"], row["gradient_penalty"] = augment, ema, penalty
            row["freeze_generator"] = g
            rows.append(row)
            print(f"seed {seed} N={n:>4} {method:>30}: FID {row['fid']:7.2f} (best {best['fid']:.2f} at "
                  f"{best['step']})  KID {row['kid']:.4g} ± {row['kid_std']:.2g}"
                  f"  {row['steps']} steps {fit_s:5.0f} s", flush=True)
    return rows


def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "n": len(values),
            "values": values}


def settings(args):
    """Every (augment, ema, gradient penalty) the run compares, ``None`` for off."""
    return [(None if a == "none" else a, None if e == "none" else float(e), None if p == "none" else p)
            for a in args.augment for e in args.ema for p in args.gradient_penalty]


def setting_suffix(augment, ema, penalty=None):
    return (("" if augment is None else f" +{augment}") + ("" if ema is None else f" +ema{ema:g}")
            + ("" if penalty is None else f" +{penalty}"))


def best_vs_best(args, rows):
    """Per N and seed: best fine-tuned FID over every setting / best scratch FID over every setting."""
    out = {}
    for n in args.n_target:
        ratios, winners = [], []
        for seed in sorted({r["seed"] for r in rows}):
            here = [r for r in rows if r["seed"] == seed and r["n_target"] == n]
            scratch = [r for r in here if r["method"].startswith("scratch")]
            tuned = [r for r in here if not r["method"].startswith("scratch")]
            if not scratch or not tuned:
                continue
            best_s, best_t = min(scratch, key=lambda r: r["fid"]), min(tuned, key=lambda r: r["fid"])
            ratios.append(best_t["fid"] / best_s["fid"])
            winners.append({"seed": seed, "fine_tuned": best_t["method"], "fine_tuned_fid": best_t["fid"],
                            "scratch": best_s["method"], "scratch_fid": best_s["fid"]})
        if ratios:
            out[str(n)] = {"ratio": _stats(ratios), "winners": winners}
    return out


def summarise(args, rows):
    """Per (N, setting): the target ratios per seed, then mean and std over seeds."""
    summary = {}
    for n in args.n_target:
        for augment, ema, penalty in settings(args):
            suffix = setting_suffix(augment, ema, penalty)
            per_seed = {key: [] for key in ("best_fine_tuned_over_scratch_fid", "fine_tune_over_scratch_fid",
                                            "best_freezeD_minus_fine_tune_fid",
                                            "over_checkpoints_best_fine_tuned_over_scratch_best_fid")}
            fids = {}
            for seed in sorted({r["seed"] for r in rows}):
                by = {r["method"][: len(r["method"]) - len(suffix)]: r for r in rows
                      if r["seed"] == seed and r["n_target"] == n and r.get("augment") == augment
                      and r.get("ema") == ema and r.get("gradient_penalty") == penalty}
                if "scratch" not in by or "fine-tune" not in by:
                    continue
                for m, r in by.items():
                    fids.setdefault(m, []).append(r["fid"])
                freezed = [m for m in by if m.startswith("freezeD")]
                per_seed["best_fine_tuned_over_scratch_fid"].append(
                    min(by[m]["fid"] for m in by if m != "scratch") / by["scratch"]["fid"])
                per_seed["fine_tune_over_scratch_fid"].append(by["fine-tune"]["fid"] / by["scratch"]["fid"])
                per_seed["best_freezeD_minus_fine_tune_fid"].append(
                    min(by[m]["fid"] for m in freezed) - by["fine-tune"]["fid"] if freezed else None)
                per_seed["over_checkpoints_best_fine_tuned_over_scratch_best_fid"].append(
                    min(by[m]["best_fid"] for m in by if m != "scratch") / by["scratch"]["best_fid"])
            if fids:
                summary[f"{n}{suffix}"] = {**{k: _stats(v) for k, v in per_seed.items()},
                                           "fid": {m: _stats(v) for m, v in fids.items()}}
    summary["best_vs_best"] = best_vs_best(args, rows)
    return summary


def write_results(args, argv, run_start, lenet_acc, real, rows, *, complete):
    """Write the JSON (after every seed, so an interrupted run keeps what it measured)."""
    total_s = time.perf_counter() - run_start
    summary = summarise(args, rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "few_shot",
        "command": "python benchmarks/few_shot.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": vars(args),
        "machine": machine_info(),
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "lenet_usps_test_accuracy": lenet_acc,
        "real_usps_train_vs_test": real,
        "total_s": total_s,
        "peak_rss_mib": peak,
        "rows": rows,
        "summary": summary,
        "complete": complete,
    }
    path = RESULTS / args.out
    path.write_text(json.dumps(payload, indent=2))
    print(f"wrote {path}", flush=True)
    return total_s, summary


if __name__ == "__main__":
    main()
