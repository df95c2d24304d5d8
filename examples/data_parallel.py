"""Data-parallel training of skgan estimators with ``torchrun`` (``distributed=True``).

Every process runs this same script; ``distributed=True`` makes the processes train one
model: each takes its share of every global batch, gradients are averaged before each
update, and ``save`` writes from rank 0 only::

    torchrun --standalone --nproc_per_node=2 examples/data_parallel.py      # 2 processes
    torchrun --standalone --nproc_per_node=4 examples/data_parallel.py --batch-size 16
    python examples/data_parallel.py                                        # 1 process

On GPUs start one process per GPU (``--nproc_per_node`` = GPUs): ``device="auto"``
becomes ``cuda:LOCAL_RANK`` in each, and the process group uses NCCL; on CPU, gloo.
``--batch-size`` is per process, so N processes of batch b step like one process of
batch N*b. Two estimators are fitted on scikit-learn's bundled digits (grey ->
restyled): a ``CycleGANTranslator``, a ``GANDomainAdapter`` and a ``GAN`` (on the grey
digits). Rank 0 prints the wall time and
global images/s and saves each model to ``--out``.
"""

import argparse
import json
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist

from skgan import GAN, CycleGANTranslator, GANDomainAdapter
from skgan.datasets import load_digits_domains


def estimators(batch_size, epochs, distributed, n_filters, n_samples=None):
    """Name -> (estimator, fit args, fit kwargs) for the three fits, on the first
    ``n_samples`` digits of each domain (None: all). No image pool, so that a run
    over N processes follows a one-process run of batch N * batch_size step for step."""
    d = load_digits_domains(target="restyled", random_state=0)
    d.X_source, d.y_source, d.X_target = (d.X_source[:n_samples], d.y_source[:n_samples],
                                          d.X_target[:n_samples])
    common = dict(batch_size=batch_size, max_epochs=epochs, pool_size=0, random_state=0,
                  distributed=distributed)
    translator = CycleGANTranslator(generator="unet", n_filters=n_filters, lambda_id=0.0,
                                    **common)
    # noise input: drawn for the global batch, each process feeding its rows' share;
    # pseudo-labels learnt from augmented copies would draw their shifts per process
    adapter = GANDomainAdapter(n_filters=n_filters, noise_dim=4, pseudo_augment=None, **common)
    # a DCGAN: its generator's batch norm normalises each process's rows, so this
    # one follows a one-process fit in distribution, not step for step
    gan = GAN(n_filters=n_filters, **{k: v for k, v in common.items() if k != "pool_size"})
    return {
        "cyclegan": (translator, (d.X_source,), {"X_target": d.X_target}),
        "adapter": (adapter, (d.X_source, d.y_source), {"X_target": d.X_target}),
        "gan": (gan, (d.X_source,), {}),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32, help="per process")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n-filters", type=int, default=16)
    parser.add_argument("--samples", type=int, default=None,
                        help="use the first N digits of each domain (default: all)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads per process (default: torch's choice)")
    parser.add_argument("--out", type=Path, default=Path("data_parallel_output"))
    parser.add_argument("--dump", action="store_true",
                        help="tests: every rank writes its weights and history, and saves "
                             "the model under a path naming its rank (only rank 0's is written)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    distributed = "WORLD_SIZE" in os.environ  # started by torchrun
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    args.out.mkdir(parents=True, exist_ok=True)
    report = {"world_size": world, "batch_size_per_process": args.batch_size, "fits": {}}
    fits = estimators(args.batch_size, args.epochs, distributed, args.n_filters, args.samples)
    for name, (est, fit_args, fit_kw) in fits.items():
        if distributed:
            dist.barrier()
        start = time.perf_counter()
        est.fit(*fit_args, **fit_kw)
        seconds = time.perf_counter() - start
        n_images = len(fit_args[0]) // (args.batch_size * world) * args.batch_size * world
        report["fits"][name] = {"seconds": seconds, "epochs": est.n_epochs_,
                                "images_per_s": n_images * est.n_epochs_ / seconds,
                                "device": est.device_}
        path = args.out / (f"{name}_saved_by_rank{rank}.pt" if args.dump else f"{name}.pt")
        est.save(path)
        if args.dump:
            torch.save({"generator": est.generator_.state_dict(),
                        "discriminator": est.discriminator_.state_dict(),
                        "g_loss": [b["g_loss"] for e in est.history_ for b in e["batches"]],
                        "d_loss": [b["d_loss"] for e in est.history_ for b in e["batches"]]},
                       args.out / f"{name}_rank{rank}_state.pt")
        if rank == 0:
            fit = report["fits"][name]
            print(f"[{name}] {world} process(es) x batch {args.batch_size}: {seconds:.1f} s, "
                  f"{fit['epochs']} epochs, {fit['images_per_s']:.0f} images/s ({fit['device']}); "
                  f"saved {path}")
    if rank == 0:
        (args.out / "report.json").write_text(json.dumps(report, indent=2))
        print(f"report: {args.out / 'report.json'}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
