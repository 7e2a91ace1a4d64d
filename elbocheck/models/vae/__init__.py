"""The variational autoencoder (seed 003 Problem 1, seed 001 section 4, seed 002 Problems 1-2): the model as a
torch.nn.Module, its trainer and held-out evaluation, checkpoints, figures, and the run of `elbocheck vae`.

    from elbocheck.models.vae import TrainConfig, Trainer
    trainer = Trainer(TrainConfig(latent=8, hidden=(512,)), input_dim=64, device=torch.device("cpu"))
    for epoch in range(20):
        trainer.epoch(train_images)          # mean -ELBO, nats per image
"""

from elbocheck.models.vae.module import VAE
from elbocheck.models.vae.trainer import TrainConfig, Trainer, codes, heldout_estimates, prior_means, reconstruction_loss

__all__ = ["VAE", "TrainConfig", "Trainer", "heldout_estimates", "reconstruction_loss", "codes", "prior_means"]
