"""Counts in words, for the reports: "1 claim", "2 claims", "1 point"."""


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun plural (noun + "s" unless `plural` is given) unless count is 1."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
