"""Text corpora for the latent bigram model: sentences of token ids 1..V, a vocabulary, a held-out split.

The default corpus is the English text of Python's own documentation topics (`pydoc_data.topics`), which ships
with CPython. Sentences and tokens are those of elbocheck/data/tokens.py (Unicode words, or whitespace-separated
tokens one sequence per line); the held-out split and the vocabulary are those of elbocheck/data/streaming.py, so
a text gives the same corpus here, in memory, as streamed from a file. Id 0 is the start symbol * and never a
token (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from elbocheck.data.files import read_bytes
from elbocheck.data.streaming import UNKNOWN, Counter, Vocabulary, agree_vocabulary, held_out
from elbocheck.data.tokens import BREAK, TokenSpec, tokenize

DEFAULT_NAME = "pydoc_data.topics"


@dataclass(frozen=True)
class Corpus:
    """Training and held-out sentences as arrays of token ids in 1..V; vocab[i - 1] is the word of id i."""

    name: str
    vocab: list[str]
    train: list[np.ndarray]
    heldout: list[np.ndarray]
    vocabulary: Vocabulary | None = None

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


def split_sentences(text: str, spec: TokenSpec = TokenSpec()) -> list[list[str]]:
    """The tokens of each sentence of `text` (elbocheck/data/tokens.py); empty sentences dropped."""
    return [tokens for tokens, _ in _sentences(text.encode("utf-8"), spec)]


def _sentences(data: bytes, spec: TokenSpec, name: str = "corpus") -> list[tuple[list[str], int]]:
    """(tokens, the byte offset naming the sentence) of each non-empty sentence."""
    tokens, ends = tokenize(data, spec, name)
    result, current, index = [], [], 0
    for token in tokens:
        if token == BREAK:
            if current:
                result.append((current, int(ends[index])))
            current, index = [], index + 1
        else:
            current.append(token)
    if current:
        result.append((current, int(ends[index])))
    return result


def build_corpus(
    text: str | bytes,
    name: str = DEFAULT_NAME,
    heldout_fraction: float = 0.1,
    min_count: int = 2,
    seed: int = 0,
    spec: TokenSpec = TokenSpec(),
) -> Corpus:
    """Sentences split into train and held-out by the hash of streaming.held_out (fixed `seed`) and mapped to ids
    1..V of the vocabulary of streaming.agree_vocabulary (training tokens seen at least `min_count` times, most
    frequent first; every other token, in training or held out, becomes <unk>)."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    counter = Counter(spec, seed, heldout_fraction, name)
    counter.add(data)
    vocabulary = agree_vocabulary([counter.counts.summary()], spec, min_count, heldout_fraction, seed, name)
    sentences = _sentences(data, spec, name)
    offsets = np.array([offset for _, offset in sentences], dtype=np.int64)
    if vocabulary.holds_out:
        heldout_flags = held_out(offsets, seed, heldout_fraction).tolist()
    else:
        heldout_flags = [False] * len(sentences)
    train = [vocabulary.ids(tokens) for (tokens, _), out in zip(sentences, heldout_flags) if not out]
    heldout = [vocabulary.ids(tokens) for (tokens, _), out in zip(sentences, heldout_flags) if out]
    return Corpus(name, vocabulary.words, train, heldout, vocabulary)


def load_corpus(path: str | Path | None = None, **options) -> Corpus:
    """The corpus of a UTF-8 text file, or the default `pydoc_data.topics` text when `path` is None."""
    if path is None:
        return build_corpus(default_text(), name=DEFAULT_NAME, **options)
    path = Path(path)
    return build_corpus(read_bytes(path, "corpus", "a UTF-8 text file"), name=str(path), **options)
