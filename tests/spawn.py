"""Running a function in several processes joined by gloo on this machine, as torchrun would start them."""

from __future__ import annotations

import os
import socket

import torch.multiprocessing as mp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _entry(rank: int, world_size: int, port: int, function, args) -> None:
    os.environ.update({"RANK": str(rank), "WORLD_SIZE": str(world_size), "LOCAL_RANK": str(rank),
                       "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"})
    import torch

    torch.set_num_threads(1)
    function(*args)


def run_ranks(function, world_size: int, *args, attempts: int = 3) -> None:
    """function(*args) in `world_size` fresh processes with torchrun's environment variables set; raises if any
    process fails. A port taken by another program between choosing and binding it is retried with another."""
    for attempt in range(attempts):
        try:
            mp.start_processes(_entry, args=(world_size, free_port(), function, args), nprocs=world_size,
                               join=True, start_method="spawn")
            return
        except mp.ProcessRaisedException as error:
            if "address already in use" not in str(error).lower() or attempt == attempts - 1:
                raise
