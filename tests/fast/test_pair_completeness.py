"""Every public function or class that reference/X.py and fast/X.py both define is cross-checked by a pair of
elbocheck.pairs or listed in elbocheck.pairs.unpaired with the reason it is not."""

import importlib
import inspect

from elbocheck.pairs import MODULES, all_pairs
from elbocheck.pairs.unpaired import UNPAIRED


def public_functions(module) -> set[str]:
    """Names not starting with '_' bound to a function or class of elbocheck (not of numpy, torch, typing...)."""
    return {
        name for name, value in vars(module).items()
        if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
        and getattr(value, "__module__", "").startswith("elbocheck.")
    }


def shared_names() -> set[str]:
    shared = set()
    for module_name in MODULES:
        reference = importlib.import_module(f"elbocheck.reference.{module_name}")
        fast = importlib.import_module(f"elbocheck.fast.{module_name}")
        shared |= {f"{module_name}.{name}" for name in public_functions(reference) & public_functions(fast)}
    return shared


def paired_names() -> set[str]:
    """Pair names without their variant suffix: vae.elbo[bernoulli] and vae.elbo[gaussian] both pair vae.elbo."""
    return {pair.name.split("[")[0] for pair in all_pairs()}


def test_every_shared_name_is_paired_or_listed_with_a_reason():
    missing = sorted(shared_names() - paired_names() - set(UNPAIRED))
    assert missing == [], f"pair these in elbocheck/pairs/ or list them in elbocheck/pairs/unpaired.py: {missing}"


def test_the_unpaired_list_names_only_shared_unpaired_functions():
    shared = shared_names()
    stale = sorted(name for name in UNPAIRED if name not in shared)
    assert stale == [], f"no longer a function of both reference/ and fast/; remove from UNPAIRED: {stale}"
    both = sorted(set(UNPAIRED) & paired_names())
    assert both == [], f"paired and listed as unpaired: {both}"
    assert all(len(reason) > 20 for reason in UNPAIRED.values())


def test_every_pair_names_a_shared_function():
    shared = shared_names()
    assert sorted(name for name in paired_names() if name not in shared) == []
