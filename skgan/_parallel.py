"""Data-parallel training over a ``torch.distributed`` process group.

The engine (:class:`~skgan.training.AdversarialNet` with ``data_parallel=True``)
splits every global batch among the processes and averages the gradients of each
optimizer before its step; this module holds the process-group plumbing.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = ["all_reduce_mean", "broadcast_module", "ensure_process_group", "local_device",
           "rank_and_world", "shard"]

_LAUNCHER_VARS = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def ensure_process_group(device):
    """Join (or create, from ``torchrun``'s environment) the default process group.

    Returns ``(rank, world_size)``. Raises ``ValueError`` naming the remedy when
    there is no group and no launcher environment to build one from.
    """
    if not dist.is_available():
        raise ValueError("distributed=True needs torch.distributed, which this torch build "
                         "lacks.")
    if not dist.is_initialized():
        missing = [v for v in _LAUNCHER_VARS if v not in os.environ]
        if missing:
            raise ValueError(
                "distributed=True trains one model over several processes, but no "
                "torch.distributed process group exists and the launcher variables "
                f"{missing} are not set. Launch the script with `torchrun "
                "--nproc_per_node=N script.py` (or call "
                "torch.distributed.init_process_group first); for one process, leave "
                "distributed=False."
            )
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def rank_and_world():
    """``(rank, world_size)`` of the default group, ``(0, 1)`` without one.

    Examples
    --------
    >>> from skgan._parallel import rank_and_world
    >>> rank_and_world()
    (0, 1)
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def local_device(device):
    """``cuda`` -> ``cuda:LOCAL_RANK`` under a launcher that sets it (one GPU per
    process, all GPUs visible, as torchrun starts them); other devices unchanged.

    Examples
    --------
    >>> from skgan._parallel import local_device
    >>> local_device("cpu")
    'cpu'
    """
    local = os.environ.get("LOCAL_RANK")
    if device == "cuda" and local is not None and int(local) < torch.cuda.device_count():
        return f"cuda:{int(local)}"
    return device


def shard(n, rank, world):
    """Rows of a global batch of ``n`` that process ``rank`` of ``world`` takes:
    contiguous, sizes differing by at most one (the first ranks take the extra rows).

    Examples
    --------
    >>> from skgan._parallel import shard
    >>> [shard(10, r, 3) for r in range(3)]
    [slice(0, 4, None), slice(4, 7, None), slice(7, 10, None)]
    """
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return slice(start, start + base + (rank < extra))


def all_reduce_mean(tensors, weight):
    """Replace each tensor by the sum over processes of ``weight * tensor`` (in place).

    With ``weight`` = this process's share of the global batch, the result is the
    global batch's mean for per-sample means (gradients of mean losses, loss
    values), whatever the shard sizes. One collective for all the tensors.
    """
    tensors = [t for t in tensors if t is not None]
    if not tensors:
        return
    flat = torch.cat([t.detach().reshape(-1).float() for t in tensors]) * weight
    dist.all_reduce(flat)
    offset = 0
    for t in tensors:
        t.copy_(flat[offset:offset + t.numel()].view_as(t))
        offset += t.numel()


def broadcast_module(module, src=0, buffers_only=False):
    """Copy ``module``'s parameters (unless ``buffers_only``) and buffers from ``src``."""
    tensors = [] if buffers_only else [p.data for p in module.parameters()]
    tensors += list(module.buffers())
    for t in tensors:
        dist.broadcast(t, src)
