"""The library layer: the models of the documents as estimators, modules and trainers, and the experiments the
commands run (each with its evaluation, figures and result document).

    from elbocheck.models import LatentBigramModel
    model = LatentBigramModel(n_states=8, n_restarts=4, tol=1e-6).fit(X, lengths)

Modules: bigram (the estimator) and bigram_run (the EM run); vae (module, trainer, checkpoints, figures, run);
gan and gan_run; ring_run; residual (the transformer language model) and residual_run. Importing this package
imports none of them until a name is used.
"""

__all__ = ["LatentBigramModel"]


def __getattr__(name: str):
    if name == "LatentBigramModel":
        from elbocheck.models.bigram import LatentBigramModel

        return LatentBigramModel
    raise AttributeError(f"module 'elbocheck.models' has no attribute {name!r}")
