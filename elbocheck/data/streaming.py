"""Bigram counts of a corpus file read in chunks, never holding more than one chunk's tokens as Python objects.

A file (or a byte range of it, for one process of several) is read `chunk_bytes` at a time; each chunk is cut just
after its last sentence break (elbocheck/data/tokens.py), the rest carried into the next, so a chunk boundary
inside a word or inside a multi-byte UTF-8 character changes nothing. Each piece's tokens get provisional ids
(first come, first numbered) and its bigrams are added to a sparse count table (sorted int64 keys and counts,
merged as pieces arrive); memory is O(nnz(C) + V + chunk).

Held-out sentences: a sentence goes to the held-out data when a hash of (`seed`, the byte offset naming it) falls
below `heldout_fraction`, so the split does not depend on chunks or on how many processes share the file.
When round(heldout_fraction * sentences) is 0 (a tiny text), or no sentence is left for training, none is held out.

The vocabulary is the training tokens seen at least `min_count` times, most frequent first (ties in code-point
order), then <unk> for every other token when there is one (DESIGN.md: ids 1..V, 0 is the start symbol *).
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from elbocheck.data.tokens import BREAK, CUT_AFTER, TokenSpec, first_cut, last_cut, tokenize

UNKNOWN = "<unk>"
CHUNK_BYTES = 4 << 20
VOCABULARY_FORMAT = 1
_KEY_SHIFT = 32
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _open(source):
    """A binary stream over a corpus: a file path, or the bytes of a text held in memory."""
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")


def open_corpus(path) -> int:
    """The size in bytes of a readable corpus file (or of bytes); ValueError naming the file otherwise, and for
    a device or FIFO before opening it (it could be endless or block forever)."""
    from elbocheck._io import require_regular_file

    if isinstance(path, (bytes, bytearray)):
        return len(path)
    path = require_regular_file(path, "corpus", "a UTF-8 text file")
    try:
        with open(path, "rb") as stream:
            stream.read(1)
            return os.fstat(stream.fileno()).st_size
    except OSError as error:
        raise ValueError(f"corpus: cannot read '{path}': {error.strerror}") from None


def split_points(path, parts: int, spec: TokenSpec, size: int | None = None) -> list[int]:
    """Offsets 0 = s_0 <= s_1 <= ... <= s_parts = file size: s_k is the first sentence break at or after
    k size / parts, so the byte ranges [s_k, s_k+1) together hold every sentence exactly once."""
    if not isinstance(parts, int) or parts < 1:
        raise ValueError(f"parts: expected an integer >= 1, got {parts!r}")
    size = open_corpus(path) if size is None else size
    points = [0]
    with _open(path) as stream:
        for k in range(1, parts):
            points.append(max(points[-1], _next_cut(stream, k * size // parts, size, spec)))
    return points + [size]


def _next_cut(stream, start: int, size: int, spec: TokenSpec, block: int = 1 << 16) -> int:
    """The first offset >= start just after a sentence break, or `size`."""
    overlap = max(len(mark) for mark in CUT_AFTER[spec.mode]) - 1
    stream.seek(start)
    tail, base = b"", start
    while data := stream.read(block):
        window = tail + data
        cut = first_cut(window, spec)
        if cut is not None:
            return base - len(tail) + cut
        tail = window[len(window) - overlap:]
        base += len(data)
    return size


def read_pieces(path, spec: TokenSpec, start: int = 0, end: int | None = None,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[tuple[int, bytes]]:
    """(offset, piece) for the bytes [start, end) of the file, about `chunk_bytes` at a time, each piece ending
    just after a sentence break (the last one at `end`). `start` must be 0 or just after a sentence break."""
    if not isinstance(chunk_bytes, int) or chunk_bytes < 1:
        raise ValueError(f"chunk_bytes: expected an integer >= 1, got {chunk_bytes!r}")
    end = open_corpus(path) if end is None else end
    carry, carry_offset = b"", start
    with _open(path) as stream:
        stream.seek(start)
        position = start
        while position < end:
            block = stream.read(min(chunk_bytes, end - position))
            if not block:
                break
            position += len(block)
            data = carry + block
            cut = last_cut(data, spec) if position < end else len(data)
            if cut == 0:
                carry = data
                continue
            yield carry_offset, data[:cut]
            carry, carry_offset = data[cut:], carry_offset + cut
    if carry:
        yield carry_offset, carry


def _mix(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele, Lea and Flood 2014) of uint64 values: a bijection that scrambles bits."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def held_out(offsets: np.ndarray, seed: int, fraction: float) -> np.ndarray:
    """Whether each sentence (named by its byte offset) is held out: mix(mix(seed) + offset) / 2^64 < fraction."""
    with np.errstate(over="ignore"):
        salted = _mix(np.array([seed], dtype=np.uint64))[0] + offsets.astype(np.uint64)
    uniform = (_mix(salted) >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return uniform < fraction


class PairCounts:
    """A growing sparse table: sorted unique int64 keys and their int64 counts. `add` buffers each piece's
    distinct keys; once the buffer holds more than an eighth of the table, the buffer alone is reduced to distinct
    keys and merged into the table by search and insertion, so the whole table is never re-sorted and the extra
    memory of a merge is about one copy of the table plus the buffer."""

    def __init__(self):
        self.keys = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def add(self, keys: np.ndarray, counts: np.ndarray | None = None) -> None:
        if counts is None:
            keys, counts = np.unique(keys, return_counts=True)
        self._pending.append((keys, counts.astype(np.int64)))
        self._pending_size += keys.size
        if self._pending_size > max(1 << 20, self.keys.size // 8):
            self.merge()

    def merge(self) -> "PairCounts":
        if self._pending:
            pending, self._pending, self._pending_size = self._pending, [], 0
            keys = np.concatenate([k for k, _ in pending])
            counts = np.concatenate([c for _, c in pending])
            del pending
            self._insert(*sum_duplicates(keys, counts))
        return self

    def _insert(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add sorted distinct keys and their counts: counts of keys already present are summed in place, the
        others inserted, each of the table's arrays replaced (and freed) as soon as its successor exists."""
        position = np.searchsorted(self.keys, keys)
        present = np.zeros(keys.size, dtype=bool)
        inside = position < self.keys.size
        present[inside] = self.keys[position[inside]] == keys[inside]
        del inside
        self.counts[position[present]] += counts[present]
        absent = ~present
        del present
        if absent.any():
            position, keys, counts = position[absent], keys[absent], counts[absent]
            self.keys = np.insert(self.keys, position, keys)
            self.counts = np.insert(self.counts, position, counts)


def sum_duplicates(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct keys and the sum of the counts of each; about four arrays of len(keys) at most."""
    order = np.argsort(keys)
    keys = keys[order]
    counts = counts[order]
    del order
    if keys.size == 0:
        return keys, counts.astype(np.int64)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], np.add.reduceat(counts, starts).astype(np.int64)


@dataclass
class LocalCounts:
    """What one process counted in its byte range: provisional words (id i is words[i - 1]), their training and
    held-out token counts (2, n), the non-empty training and held-out sentences (2,), and bigram tables keyed
    prev << 32 | next in provisional ids (prev 0 is the start symbol *)."""

    words: list[str] = field(default_factory=list)
    word_counts: np.ndarray = field(default_factory=lambda: np.zeros((2, 0), dtype=np.int64))
    sentences: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    train: PairCounts = field(default_factory=PairCounts)
    heldout: PairCounts = field(default_factory=PairCounts)
    bytes_read: int = 0

    def summary(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(words, word_counts, sentences): what processes exchange to agree on one vocabulary."""
        return self.words, self.word_counts, self.sentences


class Counter:
    """Counts pieces into a LocalCounts: tokens to provisional ids, bigrams to the sparse tables."""

    def __init__(self, spec: TokenSpec, seed: int = 0, heldout_fraction: float = 0.1, name: str = "corpus"):
        if not (isinstance(heldout_fraction, (int, float)) and 0.0 <= heldout_fraction < 1.0):
            raise ValueError(f"heldout_fraction: expected a number in [0, 1), got {heldout_fraction!r}")
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
        self.spec, self.seed, self.fraction, self.name = spec, seed, heldout_fraction, name
        self.index: dict[str, int] = {BREAK: 0}
        self.counts = LocalCounts()

    def add(self, piece: bytes, offset: int = 0) -> None:
        """Count the tokens and bigrams of one piece starting at a sentence start at byte `offset` of the file."""
        tokens, ends = tokenize(piece, self.spec, self.name, offset)
        self.counts.bytes_read += len(piece)
        if not tokens:
            return
        new_words = [word for word in dict.fromkeys(tokens) if word not in self.index]
        for word in new_words:
            self.index[word] = len(self.index)
        self.counts.words.extend(new_words)
        ids = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int64, count=len(tokens))  # (n,)
        previous = np.concatenate([[0], ids[:-1]])  # the piece starts a sentence
        is_token = ids != 0
        sentence = np.cumsum(~is_token)[is_token]  # (tokens,) index into ends
        heldout_sentence = held_out(ends, self.seed, self.fraction) if self.fraction > 0 else np.zeros(ends.size, bool)
        heldout = heldout_sentence[sentence]
        keys = (previous[is_token] << _KEY_SHIFT) | ids[is_token]
        words = ids[is_token]
        n = len(self.index) - 1
        counts = self.counts
        if counts.word_counts.shape[1] < n:
            counts.word_counts = np.pad(counts.word_counts, ((0, 0), (0, n - counts.word_counts.shape[1])))
        for side, mask, table in ((0, ~heldout, counts.train), (1, heldout, counts.heldout)):
            if mask.any():
                table.add(keys[mask])
                counts.word_counts[side] += np.bincount(words[mask] - 1, minlength=n)
                counts.sentences[side] += np.unique(sentence[mask]).size

    def count_file(self, path, start: int = 0, end: int | None = None,
                   chunk_bytes: int = CHUNK_BYTES, progress=None) -> LocalCounts:
        """Count the byte range [start, end) of `path`; `progress(bytes)` is called after each piece."""
        for offset, piece in read_pieces(path, self.spec, start, end, chunk_bytes):
            self.add(piece, offset)
            if progress is not None:
                progress(len(piece))
        self.counts.train.merge()
        self.counts.heldout.merge()
        return self.counts


@dataclass(frozen=True)
class Vocabulary:
    """The words of ids 1..V (words[i - 1] has id i), their training counts, and how they were made."""

    words: list[str]
    counts: list[int]
    spec: TokenSpec
    min_count: int
    heldout_fraction: float
    seed: int
    holds_out: bool
    sentences: tuple[int, int] = (0, 0)  # non-empty training and held-out sentences of the whole corpus

    @property
    def V(self) -> int:
        return len(self.words)

    @property
    def unknown_id(self) -> int | None:
        return len(self.words) if self.words and self.words[-1] == UNKNOWN else None

    @cached_property
    def index(self) -> dict[str, int]:
        """word -> id."""
        return {word: i + 1 for i, word in enumerate(self.words)}

    def ids(self, tokens: list[str]) -> np.ndarray:
        """Token ids (1..V; <unk> for tokens outside the vocabulary); ValueError if one is unknown and there is
        no <unk>."""
        index, unknown = self.index, self.unknown_id
        missing = next((token for token in tokens if token not in index), None)
        if missing is not None and unknown is None:
            raise ValueError(f"tokens: {missing!r} is not in the vocabulary, which has no {UNKNOWN}")
        return np.array([index.get(token, unknown) for token in tokens], dtype=np.int64)

    def as_dict(self) -> dict:
        return {
            "format": VOCABULARY_FORMAT, "tokens": self.spec.as_dict(), "min_count": self.min_count,
            "heldout_fraction": self.heldout_fraction, "seed": self.seed, "holds_out": self.holds_out,
            "unknown": UNKNOWN if self.unknown_id else None, "sentences": list(self.sentences),
            "words": self.words, "counts": self.counts,
        }

    @staticmethod
    def from_dict(data: dict, name: str = "vocabulary") -> "Vocabulary":
        """The vocabulary written by as_dict; ValueError naming `name` when it is not one."""
        try:
            if data["format"] != VOCABULARY_FORMAT or len(data["words"]) != len(data["counts"]):
                raise KeyError
            spec = TokenSpec(data["tokens"]["mode"], data["tokens"]["lowercase"])
            return Vocabulary(list(data["words"]), [int(c) for c in data["counts"]], spec, int(data["min_count"]),
                              float(data["heldout_fraction"]), int(data["seed"]), bool(data["holds_out"]),
                              tuple(int(n) for n in data.get("sentences", (0, 0))))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{name}: expected a vocabulary written by elbocheck (format {VOCABULARY_FORMAT})") from None

    @staticmethod
    def load(path: str | os.PathLike) -> "Vocabulary":
        """The vocabulary of a vocab.json file."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"vocabulary: cannot read '{path}': {error}") from None
        return Vocabulary.from_dict(data, f"vocabulary '{path}'")


def agree_vocabulary(summaries, spec: TokenSpec, min_count: int = 2, heldout_fraction: float = 0.1,
                     seed: int = 0, name: str = "corpus") -> Vocabulary:
    """One vocabulary from every process's LocalCounts.summary(): the same on every process that calls it with
    the same summaries. ValueError naming `name` when the corpus has fewer than two tokens, or when the cut at
    `min_count` leaves a single symbol (V = 1: every token <unk>, or one word), which leaves nothing to fit."""
    if not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count: expected an integer >= 1, got {min_count!r}")
    totals: dict[str, np.ndarray] = {}
    sentences = np.zeros(2, dtype=np.int64)
    for words, word_counts, local_sentences in summaries:
        sentences += local_sentences
        for word, pair in zip(words, word_counts.T):
            totals[word] = totals[word] + pair if word in totals else pair.copy()
    if sum(int(pair.sum()) for pair in totals.values()) < 2:
        raise ValueError(f"corpus: '{name}' has fewer than two words; expected text with at least two tokens")
    holds_out = round(heldout_fraction * int(sentences.sum())) > 0 and sentences[0] > 0
    column = (lambda pair: int(pair[0])) if holds_out else (lambda pair: int(pair.sum()))
    train = {word: column(pair) for word, pair in totals.items() if column(pair) > 0}
    kept = sorted((word for word, count in train.items() if count >= min_count), key=lambda w: (-train[w], w))
    needs_unknown = len(kept) < len(totals) or not kept
    words = kept + ([UNKNOWN] if needs_unknown else [])
    counts = [train[word] for word in kept] + ([sum(train.values()) - sum(train[w] for w in kept)] if needs_unknown else [])
    split = (int(sentences[0]), int(sentences[1])) if holds_out else (int(sentences.sum()), 0)
    if len(words) < 2:
        raise ValueError(
            f"corpus: '{name}': keeping the training words seen at least {min_count} time"
            f"{'s' if min_count != 1 else ''} leaves {len(kept)} of {len(train)} distinct words "
            f"(vocabulary {words}), so every token is the same symbol and there is nothing to learn; "
            "give more text or a lower min_count (em: --min-count)")
    return Vocabulary(words, counts, spec, min_count, heldout_fraction, seed, bool(holds_out), split)


def final_ids(local: LocalCounts, vocabulary: Vocabulary) -> np.ndarray:
    """The vocabulary id of each provisional id (index 0: the start symbol, 0)."""
    index, unknown = vocabulary.index, vocabulary.unknown_id or 0
    return np.array([0] + [index.get(word, unknown) for word in local.words], dtype=np.int64)


def to_bigram_counts(table: PairCounts, mapping: np.ndarray, V: int, dtype=torch.float64, device=None,
                     release: bool = False, block: int = 1 << 22):
    """The table in vocabulary ids as fast.bigram_em.BigramCounts (CSR of C and of Cᵀ, int32 indices when
    nnz and V fit, int64 otherwise). `release`: empty the table as it is converted, so that the table and the
    result are not held at once. Peak extra memory about 32 bytes per nonzero."""
    from elbocheck.fast.bigram_em import BigramCounts

    table.merge()
    keys = np.empty(table.keys.size, dtype=np.int64)
    mapping = mapping.astype(np.int64)
    for start in range(0, keys.size, block):
        part = table.keys[start:start + block]
        keys[start:start + block] = mapping[part >> _KEY_SHIFT] * V + (mapping[part & ((1 << _KEY_SHIFT) - 1)] - 1)
    counts = table.counts
    if release:
        table.keys = table.counts = None
    order = np.argsort(keys)
    keys = keys[order]
    counts = counts[order]
    del order
    if keys.size:
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
        if starts.size < keys.size:
            keys, counts = keys[starts], np.add.reduceat(counts, starts)
        del starts
    index = np.int32 if max(keys.size, V + 2) < 2**31 else np.int64
    values = torch.from_numpy(counts.astype(np.float64)).to(device=device, dtype=dtype)
    del counts
    rows = (keys // V).astype(index)
    cols = (keys % V).astype(index)
    del keys
    crow = np.searchsorted(rows, np.arange(V + 2)).astype(index)
    t_order = np.argsort(cols, kind="stable")  # rows ascend within each column: Cᵀ's CSR order
    t_crow = np.searchsorted(cols[t_order], np.arange(V + 1)).astype(index)
    t_col = rows[t_order]
    del rows
    as_tensor = lambda array: torch.from_numpy(np.ascontiguousarray(array, dtype=index)).to(device)  # noqa: E731
    return BigramCounts(V, as_tensor(crow), as_tensor(cols), values, as_tensor(t_crow), as_tensor(t_col),
                        as_tensor(t_order))


def encode_counts(local: LocalCounts, vocabulary: Vocabulary, dtype=torch.float64, device=None,
                  release: bool = False):
    """(train, held-out) BigramCounts of this process's counts in vocabulary ids; the held-out sentences join the
    training ones when the vocabulary holds none out. `release`: drop local's tables as they are converted, so
    that they and the result are not held at once."""
    mapping = final_ids(local, vocabulary)
    train, heldout = local.train.merge(), local.heldout.merge()
    if release:
        local.train = local.heldout = None
    if not vocabulary.holds_out:
        merged = PairCounts()
        merged.add(train.keys, train.counts)
        merged.add(heldout.keys, heldout.counts)
        train, heldout = merged, PairCounts()
    train_counts = to_bigram_counts(train, mapping, vocabulary.V, dtype, device, release)
    del train
    return train_counts, to_bigram_counts(heldout, mapping, vocabulary.V, dtype, device, release)


def count_corpus(source, spec: TokenSpec = TokenSpec(), min_count: int = 2, heldout_fraction: float = 0.1,
                 seed: int = 0, name: str | None = None, group=None, chunk_bytes: int = CHUNK_BYTES,
                 dtype=torch.float64, device=None, progress=None):
    """(vocabulary, train, held-out) of a corpus file (or its bytes), streamed: with a distributed group
    (elbocheck/distributed.py), each process counts its byte range split_points(source, world_size)[rank:rank+2],
    the processes agree on one vocabulary, and each returns its own counts, which sum to the whole corpus's;
    alone, the whole corpus's counts. ValueError (on every process) for a corpus that cannot be read, is not
    UTF-8 or has fewer than two tokens."""
    from elbocheck import distributed

    group = group or distributed.SINGLE
    name = name or ("corpus" if isinstance(source, (bytes, bytearray)) else str(source))
    local, error = None, None
    try:
        size = open_corpus(source)
        points = split_points(source, group.world_size, spec, size)
        counter = Counter(spec, seed, heldout_fraction, name)
        local = counter.count_file(source, points[group.rank], points[group.rank + 1], chunk_bytes, progress)
    except ValueError as caught:
        error = caught
    distributed.agree_on_error(error, group)
    summaries = distributed.all_gather_object(local.summary(), group)
    vocabulary = agree_vocabulary(summaries, spec, min_count, heldout_fraction, seed, name)
    train, heldout = encode_counts(local, vocabulary, dtype, device, release=True)
    return vocabulary, train, heldout
