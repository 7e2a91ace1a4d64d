"""Public names that reference/X.py and fast/X.py share but the pair table does not cross-check, each with the
reason. tests/fast/test_pair_completeness.py fails on a shared name that is neither paired nor listed here, and
on an entry here that no longer names a shared function."""

from __future__ import annotations

VALIDATOR = "an argument check: raises ValueError or returns nothing; tests/reference and tests/fast test it"
RANDOM = "draws from a random generator the caller passes; numpy's and torch's streams differ, so the two sides " \
         "are compared in distribution by their own tests, not value by value"
INITIALISER = "draws initial weights from a numpy Generator; fast takes the same weights as tensors, so there is " \
              "nothing to compare"

UNPAIRED: dict[str, str] = {
    "bigram_em.FitResult": "a result container (A, B, log_likelihoods, iterations, converged); bigram_em.fit "
                           "compares its fields",
    "bigram_em.check_params": VALIDATOR,
    "bigram_em.inverse_cdf": "imported from sampler, the one inverse-CDF rule; paired as sampler.inverse_cdf",
    "ring.inverse_cdf": "imported from sampler, the one inverse-CDF rule; paired as sampler.inverse_cdf",
    "sampler.check_strings": VALIDATOR,
    "vae.check_activation": VALIDATOR,
    "vae.check_autoencoder_inputs": VALIDATOR,
    "vae.check_decoder_inputs": VALIDATOR,
    "vae.check_encoder_input": VALIDATOR,
    "vae.check_latents": VALIDATOR,
    "vae.check_model_inputs": VALIDATOR,
    "vae.check_reparameterization": VALIDATOR,
    "vae.check_same_shape": VALIDATOR,
    "gan.check_gan_inputs": VALIDATOR,
    "gan.check_learning_rate": VALIDATOR,
    "gan.mlp_forward": "imported from the private _nn module of each side; paired through gan.discriminator_logits "
                       "and gan.generator_forward",
    "residual.mlp_forward": "imported from the private _nn module of each side; paired through residual.branch",
    "ring.sample": RANDOM,
    "sampler.check_bigram": VALIDATOR,
    "sampler.check_codebook": VALIDATOR,
    "sampler.check_distribution": VALIDATOR,
    "sampler.check_noise": VALIDATOR,
    "sampler.check_temperature": VALIDATOR,
    "sampler.gumbel_noise": RANDOM,
    "sampler.straight_through_strings": "its value is the one-hot of the paired sampler.sample_strings; its backward "
                                        "pass is compared through the paired sampler.straight_through_gradient",
    "vae.adam_init": "returns zero moments of the parameters' shapes; vae.adam_step compares what they become",
    "vae.check_decoder": VALIDATOR,
    "vae.decoder_log_likelihood": "dispatches to vae.bernoulli_log_likelihood or vae.gaussian_log_likelihood, "
                                  "both paired, and runs inside the paired vae.log_likelihood",
    "vae.decoder_output_dim": "an integer of the decoder's layout (D or 2 D), no computation",
    "vae.init_autoencoder": INITIALISER,
    "vae.init_mlp": INITIALISER,
    "vae.init_params": INITIALISER,
    "vae.init_params_two_latent": INITIALISER,
    "vae.mlp_forward": "imported from the private _nn module of each side; paired through vae.encode and vae.decode",
    "vae.split_halves": "slices the last axis in two; runs inside the paired vae.encode",
    "vae.train_epoch": "a training loop over minibatches drawn from a generator; vae.negative_elbo_gradients and "
                       "vae.adam_step compare each step",
    "vae.tree_leaves": "a container utility on parameter trees, no numerics",
    "vae.tree_map": "a container utility on parameter trees, no numerics",
}
