"""Text corpora for the latent bigram model: words, sentences, a vocabulary with ids 1..V, a held-out split.

The default corpus is the English text of Python's own documentation topics (`pydoc_data.topics`), which ships
with CPython. Sentences are split on . ! ? ; : and blank lines; words are lower-cased runs of letters (with an
inner apostrophe). Id 0 is the start symbol * and never a token (DESIGN.md).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elbocheck.data.files import read_bytes

UNKNOWN = "<unk>"
DEFAULT_NAME = "pydoc_data.topics"
_SENTENCE_BREAK = re.compile(r"[.!?;:]+|\n\s*\n")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Corpus:
    """Training and held-out sentences as arrays of token ids in 1..V; vocab[i - 1] is the word of id i."""

    name: str
    vocab: list[str]
    train: list[np.ndarray]
    heldout: list[np.ndarray]

    @property
    def V(self) -> int:
        return len(self.vocab)

    def word(self, token_id: int) -> str:
        return self.vocab[token_id - 1]


def default_text() -> str:
    """The text of every topic in `pydoc_data.topics`, in key order."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


def read_text(path: str | Path) -> str:
    """The contents of a UTF-8 text file; ValueError naming the file if it is missing, unreadable or not UTF-8."""
    path = Path(path)
    data = read_bytes(path, "corpus", "a UTF-8 text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"corpus: '{path}' is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def split_sentences(text: str) -> list[list[str]]:
    """Lower-cased words of each sentence, sentences split on punctuation; empty sentences dropped."""
    sentences = []
    for chunk in _SENTENCE_BREAK.split(text.lower()):
        words = _WORD.findall(chunk)
        if words:
            sentences.append(words)
    return sentences


def build_corpus(
    text: str,
    name: str = DEFAULT_NAME,
    heldout_fraction: float = 0.1,
    min_count: int = 2,
    seed: int = 0,
) -> Corpus:
    """Split sentences into train and held-out at random (fixed `seed`) and map words to ids 1..V.

    The vocabulary is the training words seen at least `min_count` times, most frequent first; every other
    word, in training or held out, becomes <unk>.
    """
    if not 0.0 <= heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction: expected a number in [0, 1), got {heldout_fraction!r}")
    if min_count < 1:
        raise ValueError(f"min_count: expected an integer >= 1, got {min_count!r}")
    sentences = split_sentences(text)
    if sum(len(sentence) for sentence in sentences) < 2:
        raise ValueError(f"corpus: '{name}' has fewer than two words; expected English text")
    order = np.random.default_rng(seed).permutation(len(sentences))
    n_heldout = int(round(heldout_fraction * len(sentences)))
    if len(sentences) - n_heldout < 1:
        n_heldout = 0
    heldout_words = [sentences[i] for i in order[:n_heldout]]
    train_words = [sentences[i] for i in order[n_heldout:]]

    counts = Counter(word for sentence in train_words for word in sentence)
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    needs_unknown = len(kept) < len(counts) or any(w not in counts for s in heldout_words for w in s)
    vocab = kept + ([UNKNOWN] if needs_unknown or not kept else [])
    ids = {word: index + 1 for index, word in enumerate(vocab)}
    unknown_id = ids.get(UNKNOWN)

    def encode(sentence: list[str]) -> np.ndarray:
        return np.array([ids.get(word, unknown_id) for word in sentence], dtype=np.int64)

    return Corpus(name, vocab, [encode(s) for s in train_words], [encode(s) for s in heldout_words])


def load_corpus(path: str | Path | None = None, **options) -> Corpus:
    """The corpus of a UTF-8 text file, or the default `pydoc_data.topics` text when `path` is None."""
    if path is None:
        return build_corpus(default_text(), name=DEFAULT_NAME, **options)
    return build_corpus(read_text(path), name=str(path), **options)
