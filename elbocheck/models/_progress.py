"""A progress bar from the caller's factory (tqdm-like), or a silent stand-in with the same methods, used as a
context manager so that the bar is closed (its line ended) however the run stops."""

from __future__ import annotations


class Silent:
    """Iterates like the bar would and ignores every update."""

    def __init__(self, iterable=None):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def update(self, *args, **kwargs):
        return None

    set_postfix = set_postfix_str = set_description = close = update


def bar(progress, iterable=None, **options):
    """progress(iterable, **options) when a factory is given, else Silent(iterable)."""
    return progress(iterable, **options) if progress is not None else Silent(iterable)
