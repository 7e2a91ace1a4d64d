"""Time per training epoch of the VAE (seed 003 item 9: encoder D-512-2k, decoder k-512-D, ReLU, Adam, batch 128):
the literal reference (digits only), the fast device-resident loop, and the peer, a loop written the way the
PyTorch examples VAE (pytorch/examples vae/main.py) is: a DataLoader over a TensorDataset, one host-to-device copy
and one `.item()` per batch, sigmoid then binary cross-entropy summed over the batch.

Every implementation starts from the same weights and runs the same number of epochs (warm-up plus rounds);
the quality figure is then the held-out ELBO in nats per image (r = 1, the same fixed noise for all), so that speed
cannot hide a regression. Extra fast rows measure what helps on a CPU: one thread instead of PyTorch's default,
torch.compile of the loss, and the examples' unfused loss inside the fast loop.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from elbocheck.bench.prepared import GROUPS, Prepared
from elbocheck.fast import vae as fast
from elbocheck.models import vae as models
from elbocheck.reference import vae as reference

ALGORITHM = "vae"
PEER = "PyTorch examples-style loop"
QUALITY = "held-out ELBO (nats/image) after the timed epochs"
LATENT, HIDDEN, BATCH, LR, SEED = 8, 512, 128, 1e-3, 0
SYNTHETIC_TRAIN, SYNTHETIC_HELDOUT = 60_000, 10_000


@functools.lru_cache(maxsize=2)
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The command's digits: 1437 training and 360 held-out images of 64 binary pixels."""
    from elbocheck.data.digits import load_digits_data

    data = load_digits_data()
    return (torch.as_tensor(data.binarized("train"), dtype=torch.float32),
            torch.as_tensor(data.binarized("heldout"), dtype=torch.float32))


def upscale_to_28(images: np.ndarray) -> np.ndarray:
    """8x8 images to 28x28 by repeating rows and columns 4, 3, 4, 3, ... times."""
    repeats = np.array([4, 3] * 4)
    square = images.reshape(-1, 8, 8)
    return np.repeat(np.repeat(square, repeats, axis=1), repeats, axis=2)


@functools.lru_cache(maxsize=1)
def synthetic() -> tuple[torch.Tensor, torch.Tensor]:
    """A synthetic 60000 x 784 binary set (and 10000 held out): the digits scaled to 28x28, shifted by up to two
    pixels each way, with 2% of the pixels flipped; training images come from the digits' training split only."""
    from elbocheck.data.digits import load_digits_data

    data, rng = load_digits_data(), np.random.default_rng(1)

    def make(levels: np.ndarray, count: int) -> torch.Tensor:
        big = upscale_to_28(levels[rng.integers(0, len(levels), size=count)] >= 8)
        shifts = rng.integers(-2, 3, size=(count, 2))
        for index, (down, right) in enumerate(shifts):
            big[index] = np.roll(big[index], (down, right), axis=(0, 1))
        flips = rng.random(big.shape) < 0.02
        return torch.as_tensor((big ^ flips).reshape(count, 784), dtype=torch.float32)

    return make(data.train, SYNTHETIC_TRAIN), make(data.heldout, SYNTHETIC_HELDOUT)


CASES = [
    # (case id, data, rounds, run the reference)
    pytest.param("digits", digits, 5, True, marks=pytest.mark.quick, id="digits-1437x64"),
    pytest.param("synthetic", synthetic, 2, False, id="synthetic-60000x784"),
]


def case_label(name: str, train: torch.Tensor, variant: str = "") -> str:
    label = f"{name} {train.shape[0]}x{train.shape[1]}"
    return f"{label}, {variant}" if variant else label


def epoch_flops(count: int, pixels: int) -> float:
    """Forward 2 N (D h + 2 k h + k h + h D) multiply-adds' flops, backward twice that."""
    return 3.0 * 2.0 * count * (2 * pixels * HIDDEN + 3 * LATENT * HIDDEN)


def heldout_elbo(params: dict, heldout: torch.Tensor) -> float:
    """Mean held-out ELBO with one fixed draw of eps per image, in float32 on the CPU."""
    params = fast.tree_map(lambda t: torch.as_tensor(t).detach().float().cpu(), params)
    eps = torch.randn((heldout.shape[0], 1, LATENT), generator=torch.Generator().manual_seed(123))
    with torch.no_grad():
        return float(fast.elbo(params, heldout, eps).mean())


def config() -> models.TrainConfig:
    return models.TrainConfig(latent=LATENT, hidden=(HIDDEN,), batch=BATCH, lr=LR, seed=SEED)


class ExamplesVAE(torch.nn.Module):
    """The model of pytorch/examples vae/main.py at seed 003's sizes: separate mean and log-variance heads, a
    sigmoid output; weights copied from our container so that every implementation starts alike."""

    def __init__(self, params: dict):
        super().__init__()
        (W1, b1), (W2, b2) = params["encoder"]
        (W3, b3), (W4, b4) = params["decoder"]
        self.hidden = self._linear(W1, b1)
        self.mean_head = self._linear(W2[:LATENT], b2[:LATENT])
        self.logvar_head = self._linear(W2[LATENT:], b2[LATENT:])
        self.decoder_hidden = self._linear(W3, b3)
        self.decoder_out = self._linear(W4, b4)

    @staticmethod
    def _linear(W: torch.Tensor, b: torch.Tensor) -> torch.nn.Linear:
        layer = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            layer.weight.copy_(W)
            layer.bias.copy_(b)
        return layer

    def forward(self, x):
        h = F.relu(self.hidden(x))
        mu, logvar = self.mean_head(h), self.logvar_head(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.decoder_out(F.relu(self.decoder_hidden(z)))), mu, logvar

    def as_params(self) -> dict:
        encoder_out = (torch.cat([self.mean_head.weight, self.logvar_head.weight]),
                       torch.cat([self.mean_head.bias, self.logvar_head.bias]))
        return {"encoder": [(self.hidden.weight, self.hidden.bias), encoder_out],
                "decoder": [(self.decoder_hidden.weight, self.decoder_hidden.bias),
                            (self.decoder_out.weight, self.decoder_out.bias)]}


def examples_loss(recon_x, x, mu, logvar):
    """pytorch/examples: BCE summed over the batch plus the KL, -0.5 * sum(1 + log sigma^2 - mu^2 - sigma^2)."""
    bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def examples_epoch(model, optimizer, loader, device) -> float:
    """One epoch as pytorch/examples trains: per batch a copy to the device, backward, step, and `.item()`."""
    model.train()
    total = 0.0
    for data, _ in loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = examples_loss(recon, data, mu, logvar)
        loss.backward()
        total += loss.item()
        optimizer.step()
    return total / len(loader.dataset)


def unfused_negative_elbo(params, x, eps, decoder="bernoulli", activation="relu"):
    """The examples' loss (sigmoid, then BCE) inside the fast loop, per image and sample."""
    mu, logvar = fast.encode(params, x, activation)
    z = fast.reparameterize(mu, logvar, eps)
    recon = torch.sigmoid(fast.mlp_forward(params["decoder"], z, activation))
    bce = F.binary_cross_entropy(recon, x.unsqueeze(1).expand_as(recon), reduction="sum")
    return bce / (eps.shape[0] * eps.shape[1]) - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / eps.shape[0]


@pytest.mark.parametrize("name, dataset, rounds, with_reference", CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_vae_epoch(measure, device, device_label, sync, impls, name, dataset, rounds, with_reference):
    if impls == ("reference",) and not with_reference:
        pytest.skip("the literal reference loops over every image and sample in Python: digits only")
    train, heldout = dataset()
    measure({impl: prepare(impl, train, heldout, name, rounds, device, device_label, sync) for impl in impls})


def prepare(impl, train, heldout, name, rounds, device, device_label, sync) -> Prepared:
    """One implementation's training epoch from the same initial weights, its extra_info, and the held-out ELBO
    of its weights after the timed epochs."""
    trainer = models.Trainer(config(), train.shape[1], device)
    info = {"algorithm": ALGORITHM, "case": case_label(name, train), "size": float(train.numel()), "impl": impl,
            "quality_name": QUALITY}
    if impl == "reference":
        state = {"params": fast.tree_map(lambda t: t.detach().double().cpu().numpy(), trainer.params),
                 "rng": np.random.default_rng(SEED), "data": train.double().numpy()}
        state["adam"] = reference.adam_init(state["params"])

        def epoch():
            state["params"], state["adam"], _ = reference.train_epoch(
                state["params"], state["adam"], state["data"], state["rng"], batch=BATCH, lr=LR)

        info["device"] = "CPU (NumPy float64)"
        final = lambda: state["params"]  # noqa: E731
    elif impl == "fast":
        on_device = train.to(device)

        def epoch():
            trainer.epoch(on_device)
            sync()

        info["device"] = f"{device_label} (torch float32)"
        info["flops"] = epoch_flops(*train.shape)
        final = trainer.detached
    else:
        model = ExamplesVAE(fast.tree_map(lambda t: t.detach().cpu(), trainer.params)).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train, torch.zeros(train.shape[0])),
                                             batch_size=BATCH, shuffle=True,
                                             generator=torch.Generator().manual_seed(SEED))

        def epoch():
            examples_epoch(model, optimizer, loader, device)
            sync()

        info["device"] = f"{device_label} (torch float32, data on the host)"
        info["peer"] = PEER
        final = model.as_params
    return Prepared(epoch, info, rounds=rounds, on_device=impl != "reference",
                    quality=lambda: heldout_elbo(final(), heldout))


VARIANTS = ["one thread", "unfused loss", "torch.compile"]
QUICK_VARIANTS = ("one thread", "unfused loss")  # torch.compile spends ~40 s compiling: never quick
VARIANT_CASES = [
    pytest.param(variant, *case.values, id=f"{variant.replace(' ', '-')}-{case.id}",
                 marks=[pytest.mark.quick] if case.values[0] == "digits" and variant in QUICK_VARIANTS else [])
    for case in CASES for variant in VARIANTS
]


@pytest.mark.parametrize("variant, name, dataset, rounds, with_reference", VARIANT_CASES)
def test_vae_epoch_fast_variant(benchmark, device, device_label, sync, variant, name, dataset, rounds, with_reference):
    """The fast loop with one change, on the CPU: what helps and what does not."""
    if device.type != "cpu":
        pytest.skip("the variants are CPU measurements")
    train, heldout = dataset()
    compile_mode = "default" if variant == "torch.compile" else "none"
    trainer = models.Trainer(models.TrainConfig(**{**config().as_dict(), "hidden": (HIDDEN,), "compile": compile_mode}),
                           train.shape[1], device)
    if variant == "unfused loss":
        trainer.loss = lambda params, x, eps: unfused_negative_elbo(params, x, eps)
    threads = torch.get_num_threads()
    if variant == "one thread":
        torch.set_num_threads(1)
    try:
        benchmark.pedantic(lambda: trainer.epoch(train), rounds=rounds, iterations=1, warmup_rounds=1)
    finally:
        torch.set_num_threads(threads)
    benchmark.extra_info.update({
        # size 0 keeps the variants off the plot's fast line (one point per size), listed in the table only
        "algorithm": ALGORITHM, "case": case_label(name, train, variant), "size": 0.0, "impl": "fast",
        "quality_name": QUALITY, "quality": heldout_elbo(trainer.detached(), heldout),
        "device": f"{device_label} (torch float32, {variant})", "flops": epoch_flops(*train.shape),
    })
