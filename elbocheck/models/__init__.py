"""The library layer: the models of the documents as estimators, modules and trainers, and the experiments the
commands run (each with its evaluation, figures and result document).

    from elbocheck.models import LatentBigramModel
    model = LatentBigramModel(n_states=8, n_restarts=4, tol=1e-6).fit(X, lengths)
"""

from elbocheck.models.bigram import LatentBigramModel

__all__ = ["LatentBigramModel"]
