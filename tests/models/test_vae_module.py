"""The VAE as a torch.nn.Module: its forward pass is the ELBO of the literal reference on the same weights, its
parameters are what the trainer's optimiser updates, and its samples are decoder means."""

import numpy as np
import pytest
import torch

from elbocheck.models.vae import VAE, TrainConfig, Trainer
from elbocheck.reference import vae as reference


@pytest.mark.parametrize("decoder", ["bernoulli", "gaussian"])
def test_forward_is_the_reference_elbo_and_loss_its_negative_mean(decoder):
    model = VAE(6, 2, (5,), decoder, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    rng = np.random.default_rng(1)
    x, eps = rng.random((4, 6)), rng.standard_normal((4, 3, 2))
    params = {name: [(W.detach().numpy(), b.detach().numpy()) for W, b in layers] for name, layers in model.params.items()}
    expected = reference.elbo(params, x, eps, decoder)
    np.testing.assert_allclose(model(torch.as_tensor(x), torch.as_tensor(eps)).detach().numpy(), expected, rtol=1e-10)
    assert float(model.loss(torch.as_tensor(x), torch.as_tensor(eps)).detach()) == pytest.approx(-expected.mean(), rel=1e-10)


def test_the_trainer_updates_the_modules_parameters():
    trainer = Trainer(TrainConfig(latent=2, hidden=(8,), batch=4, seed=3), 6, torch.device("cpu"))
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.epoch(torch.rand(8, 6, generator=torch.Generator().manual_seed(0)).round())
    assert len(before) == 8 and all(not torch.equal(b, p) for b, p in zip(before, trainer.model.parameters()))


def test_samples_are_probabilities_of_the_right_shape_and_bad_sizes_are_refused():
    model = VAE(6, 2, (5,), generator=torch.Generator().manual_seed(0))
    images = model.sample(3, torch.Generator().manual_seed(1))
    assert images.shape == (3, 6) and float(images.min()) >= 0 and float(images.max()) <= 1
    with pytest.raises(ValueError, match="latent"):
        VAE(6, 0)
    with pytest.raises(ValueError, match="decoder"):
        VAE(6, 2, decoder="poisson")
