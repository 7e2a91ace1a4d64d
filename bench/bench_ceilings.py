"""The device's ceilings, measured in the same run as the kernels they bound: device-to-device copy bandwidth
(bytes read plus bytes written per second) and the FLOP rate of a large matrix product (2 n^3 per product), in
float32 and float64. The report states each kernel's achieved rate as a fraction of these."""

from __future__ import annotations

import pytest
import torch

ALGORITHM = "ceilings"


def sizes(device: torch.device) -> tuple[int, int]:
    """Copy length (elements of float32) and matrix order: large enough to leave every cache behind."""
    return (256 * 2**20, 8192) if device.type == "cuda" else (32 * 2**20, 1024)


@pytest.mark.quick
def test_copy_bandwidth(timed, benchmark, device, device_label, sync):
    elements, _ = sizes(device)
    source = torch.ones(elements, dtype=torch.float32, device=device)
    target = torch.empty_like(source)

    def copy():
        target.copy_(source)
        sync()

    timed(copy, rounds=10, warmup_rounds=2)
    nbytes = 2 * source.numel() * source.element_size()
    benchmark.extra_info.update(algorithm=ALGORITHM, case=f"copy {nbytes // 2**21} MiB", size=float(nbytes),
                                impl="fast", device=device_label, bytes=float(nbytes), ceiling="copy",
                                quality_name="copied exactly", quality=float(torch.equal(source, target)))


@pytest.mark.quick
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_matmul_rate(timed, benchmark, device, device_label, sync, dtype):
    _, n = sizes(device)
    generator = torch.Generator(device="cpu").manual_seed(0)
    a = torch.randn(n, n, generator=generator, dtype=dtype).to(device)
    b = torch.randn(n, n, generator=generator, dtype=dtype).to(device)
    out = torch.empty(n, n, dtype=dtype, device=device)

    def product():
        torch.matmul(a, b, out=out)
        sync()

    timed(product, rounds=5, warmup_rounds=1)
    reference = (a[:8].double() @ b.double()).to(dtype)
    error = float(((out[:8] - reference).abs().max() / reference.abs().max()).cpu())
    benchmark.extra_info.update(algorithm=ALGORITHM, case=f"matmul {n} {str(dtype).removeprefix('torch.')}",
                                size=float(n), impl="fast", device=device_label, flops=2.0 * n**3,
                                ceiling=f"matmul {str(dtype).removeprefix('torch.')}",
                                quality_name="relative error of 8 rows against float64", quality=error)
