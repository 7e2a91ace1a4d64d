"""Several processes on one or several machines, through torch.distributed, as launched by torchrun.

`torchrun --nproc-per-node N -m elbocheck em ...` starts N processes with RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR and MASTER_PORT in their environment; `setup(device)` joins them into one process group (gloo on CPU,
NCCL on CUDA, each process on the GPU of its LOCAL_RANK). Without those variables, or with WORLD_SIZE 1, nothing
is initialised and every helper here is the identity, so the same code runs in one process.

Sums are the only collective the fits need: EM's expected counts and log-likelihood, the VAE's gradients (through
DistributedDataParallel) are sums over disjoint parts of the data.
"""

from __future__ import annotations

import datetime
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

ENVIRONMENT = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
TIMEOUT = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class Group:
    """This process's place among `world_size` processes joined by `backend` (None when alone)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        """Whether this process writes the files and prints (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def as_dict(self) -> dict:
        """{"world_size", "backend"}: what result.json records."""
        return {"world_size": self.world_size, "backend": self.backend}


SINGLE = Group()


def launched() -> bool:
    """Whether this process was started by torchrun (or alike) as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def backend_for(device: torch.device) -> str:
    """NCCL for CUDA tensors, gloo otherwise."""
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def setup(device: torch.device | str) -> tuple[Group, torch.device]:
    """Join the process group torchrun described in the environment, or stay alone; returns the group and the
    device this process computes on (for CUDA, the GPU of its LOCAL_RANK). ValueError naming the variable when
    the environment is incomplete."""
    device = torch.device(device)
    if not launched():
        return SINGLE, device
    missing = [name for name in ENVIRONMENT if name not in os.environ]
    if missing:
        raise ValueError(f"{missing[0]}: expected it in the environment of a process launched by torchrun")
    rank, world_size, local_rank = (int(os.environ[name]) for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if device.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f"LOCAL_RANK: {local_rank}, but this machine has {torch.cuda.device_count()} CUDA devices")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    backend = backend_for(device)
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=TIMEOUT)
    return Group(rank, world_size, local_rank, backend), device


def shutdown(group: Group) -> None:
    """Leave the process group (nothing when alone), after dropping unreachable objects that still hold it
    (a DistributedDataParallel wrapper in a reference cycle), so that none outlives it into interpreter exit."""
    if group.distributed and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


@contextmanager
def joined(device: torch.device | str):
    """`with joined(device) as (group, device):` setup(device) for the block. A block that ends normally waits
    for every process before they leave the group together: a process that tears its connections down while
    another still uses them can abort the latter. A block that raises leaves at once (the others are stopped
    by the same error, see agree_on_error, or by the launcher)."""
    group, device = setup(device)
    try:
        yield group, device
    except BaseException:
        shutdown(group)
        raise
    barrier(group)
    shutdown(group)


def all_reduce_sum(tensor: torch.Tensor, group: Group = SINGLE) -> torch.Tensor:
    """The element-wise sum of `tensor` over the processes, the same on every one (in place; returned)."""
    if group.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def all_gather_object(value, group: Group = SINGLE) -> list:
    """Every process's `value` (picklable), in rank order."""
    if not group.distributed:
        return [value]
    gathered = [None] * group.world_size
    dist.all_gather_object(gathered, value)
    return gathered


def broadcast_object(value, group: Group = SINGLE, source: int = 0):
    """Process `source`'s `value` on every process."""
    if not group.distributed:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=source)
    return box[0]


def barrier(group: Group = SINGLE) -> None:
    """Wait until every process gets here."""
    if group.distributed:
        dist.barrier()


def agree_on_error(error: BaseException | None, group: Group = SINGLE) -> None:
    """Raise ValueError on every process when any process met one (its message, lowest rank first), so that bad
    input stops all ranks with the same one line instead of leaving the others waiting."""
    if not group.distributed:
        if error is not None:
            raise error
        return
    messages = all_gather_object(None if error is None else str(error), group)
    first = next((message for message in messages if message is not None), None)
    if first is not None:
        raise ValueError(first)


def share(start: int, stop: int, group: Group = SINGLE) -> slice:
    """This process's contiguous share of the indices start..stop-1: the first (stop - start) % world_size
    processes take one more."""
    count = max(stop - start, 0)
    base, extra = divmod(count, group.world_size)
    first = start + group.rank * base + min(group.rank, extra)
    return slice(first, first + base + (group.rank < extra))


def count_distinct(keys, group: Group = SINGLE) -> int:
    """The number of distinct values among every process's integer `keys` (NumPy, each process's own distinct),
    without gathering them all in one place: process o receives the keys with key % world_size == o."""
    import numpy as np

    keys = np.asarray(keys, dtype=np.int64)
    if not group.distributed:
        if keys.size < 2 or bool(np.all(keys[1:] > keys[:-1])):  # already sorted and distinct: no sorted copy
            return int(keys.size)
        return int(np.unique(keys).size)
    distinct = 0
    for owner in range(group.world_size):
        mine = keys[keys % group.world_size == owner]
        received = [None] * group.world_size if group.rank == owner else None
        dist.gather_object(mine, received, dst=owner)
        if group.rank == owner:
            distinct = int(np.unique(np.concatenate(received)).size)
    total = torch.tensor([float(distinct)], dtype=torch.float64)
    if group.backend == "nccl":
        total = total.cuda()
    return int(all_reduce_sum(total, group).item())
