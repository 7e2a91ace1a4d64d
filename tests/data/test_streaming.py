"""Streamed bigram counts against brute-force counting of the whole text: chunk boundaries inside words and inside
multi-byte characters, byte ranges of several processes, the held-out rule, the vocabulary and its file."""

import json
import math
from collections import Counter

import numpy as np
import pytest
import torch

from elbocheck.data import streaming
from elbocheck.data.tokens import TokenSpec, sentences

TEXT = (
    "Le café est prêt. L’homme dit : « Bonjour ! » Привет, мир! Ещё раз, мир.\n"
    "Γειά σου Κόσμε; καλημέρα κόσμε.\n\n"
    "我爱北京天安门。天安门上太阳升。\n"
    "the café and the мир and the κόσμε. "
) * 6 + "l'été sans fin"


def brute_force_counts(text: str, spec: TokenSpec, min_count: int):
    """Vocabulary (most frequent first, ties by code point, then <unk>) and dense C, by Python counting."""
    found = sentences(text, spec)
    word_counts = Counter(word for sentence in found for word in sentence)
    kept = sorted((w for w, c in word_counts.items() if c >= min_count), key=lambda w: (-word_counts[w], w))
    vocab = kept + (["<unk>"] if len(kept) < len(word_counts) else [])
    ids = {word: i + 1 for i, word in enumerate(vocab)}
    dense = np.zeros((len(vocab) + 1, len(vocab)))
    for sentence in found:
        previous = 0
        for word in sentence:
            token = ids.get(word, len(vocab))
            dense[previous, token - 1] += 1
            previous = token
    return vocab, dense


def streamed(source, spec=TokenSpec(), parts=1, chunk_bytes=streaming.CHUNK_BYTES, fraction=0.0, min_count=1):
    """Vocabulary and the dense train and held-out counts summed over `parts` byte ranges."""
    points = streaming.split_points(source, parts, spec)
    locals_ = [streaming.Counter(spec, 3, fraction).count_file(source, points[k], points[k + 1], chunk_bytes)
               for k in range(parts)]
    vocabulary = streaming.agree_vocabulary([local.summary() for local in locals_], spec, min_count, fraction, 3)
    pairs = [streaming.encode_counts(local, vocabulary) for local in locals_]
    return vocabulary, sum(p[0].dense() for p in pairs).numpy(), sum(p[1].dense() for p in pairs).numpy()


@pytest.mark.parametrize("min_count", [1, 2])
def test_streamed_counts_equal_brute_force_counts(tmp_path, min_count):
    path = tmp_path / "corpus.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    vocab, dense = brute_force_counts(TEXT, TokenSpec(), min_count)
    vocabulary, train, heldout = streamed(path, min_count=min_count)
    assert vocabulary.words == vocab
    np.testing.assert_array_equal(train, dense)
    assert heldout.sum() == 0


def test_chunk_boundaries_inside_a_word_and_inside_a_multibyte_character_change_nothing(tmp_path):
    data = TEXT.encode("utf-8")
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    inside_character = data.index("café".encode()) + 4  # between the two bytes of é
    inside_word = data.index(b"Bonjour") + 3
    with pytest.raises(UnicodeDecodeError):
        data[:inside_character].decode("utf-8")
    assert data[inside_word - 1:inside_word + 1] == b"nj"
    whole = streamed(path, fraction=0.3)
    for chunk_bytes in [1, 2, 3, 5, inside_character, inside_word, 64]:
        vocabulary, train, heldout = streamed(path, chunk_bytes=chunk_bytes, fraction=0.3)
        assert vocabulary.words == whole[0].words
        np.testing.assert_array_equal(train, whole[1])
        np.testing.assert_array_equal(heldout, whole[2])


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_byte_ranges_of_several_processes_sum_to_the_whole(tmp_path, parts):
    path = tmp_path / "corpus.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    points = streaming.split_points(path, parts, TokenSpec())
    data = path.read_bytes()
    assert points[0] == 0 and points[-1] == len(data) and points == sorted(points)
    for point in points[1:-1]:
        assert data[:point].endswith((b".", b"!", b";", b":", "。".encode(), b"\n\n"))
    whole = streamed(path, fraction=0.3)
    vocabulary, train, heldout = streamed(path, parts=parts, chunk_bytes=7, fraction=0.3)
    assert vocabulary.words == whole[0].words
    np.testing.assert_array_equal(train, whole[1])
    np.testing.assert_array_equal(heldout, whole[2])
    assert heldout.sum() > 0 and train.sum() > 0


def test_symbol_id_sequences_one_per_line(tmp_path):
    rng = np.random.default_rng(0)
    lines = [rng.integers(0, 40, size=int(rng.integers(1, 12))) for _ in range(200)]
    path = tmp_path / "symbols.txt"
    path.write_bytes(b"".join(b" ".join(b"%d" % s for s in line) + b"\n" for line in lines))
    expected = Counter()
    for line in lines:
        for previous, symbol in zip([None, *line[:-1]], line):
            expected[(None if previous is None else str(previous), str(symbol))] += 1
    vocabulary, train, _ = streamed(path, TokenSpec("whitespace"), parts=2, chunk_bytes=10)
    assert set(vocabulary.words) == {str(s) for line in lines for s in line}
    ids = {word: i + 1 for i, word in enumerate(vocabulary.words)}
    found = {(p, w): train[0 if p is None else ids[p], ids[w] - 1] for p, w in expected}
    assert found == {pair: float(count) for pair, count in expected.items()}
    assert train.sum() == sum(len(line) for line in lines)


def test_the_held_out_share_of_many_sentences_is_binomial():
    n, fraction = 200_000, 0.1
    offsets = np.arange(n, dtype=np.int64) * 37
    held = streaming.held_out(offsets, seed=5, fraction=fraction).sum()
    assert abs(held - n * fraction) < 5 * math.sqrt(n * fraction * (1 - fraction))
    other_seed = streaming.held_out(offsets, seed=6, fraction=fraction)
    assert (other_seed != streaming.held_out(offsets, seed=5, fraction=fraction)).any()


def test_a_tiny_text_holds_nothing_out():
    vocabulary, train, heldout = streamed(b"the cat saw the dog. and the dog saw the cat", fraction=0.2)
    assert not vocabulary.holds_out and heldout.sum() == 0 and train.sum() == 11


def test_the_vocabulary_file_round_trips_and_encodes_new_text_alike(tmp_path):
    vocabulary, _, _ = streamed(TEXT.encode("utf-8"), min_count=2)
    path = tmp_path / "vocab.json"
    path.write_text(json.dumps(vocabulary.as_dict(), ensure_ascii=False), encoding="utf-8")
    loaded = streaming.Vocabulary.load(path)
    assert loaded == vocabulary and loaded.spec == TokenSpec() and loaded.min_count == 2
    tokens = sentences("Le café du monde et мир", loaded.spec)[0]
    expected = [vocabulary.words.index(t) + 1 if t in vocabulary.words else vocabulary.V for t in tokens]
    assert loaded.ids(tokens).tolist() == expected and vocabulary.words[-1] == "<unk>"
    path.write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(ValueError, match="vocabulary"):
        streaming.Vocabulary.load(path)


def test_bad_corpora_are_refused_naming_the_file_and_the_offset(tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("un café noir".encode("latin-1"))
    with pytest.raises(ValueError, match=r"not UTF-8 text \(byte 0xe9 at offset 6\)"):
        streaming.count_corpus(latin1)
    one = tmp_path / "one.txt"
    one.write_bytes(b"word.")
    with pytest.raises(ValueError, match="fewer than two words"):
        streaming.count_corpus(one)
    with pytest.raises(ValueError, match="no such file"):
        streaming.count_corpus(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="directory"):
        streaming.count_corpus(tmp_path)


def test_count_corpus_gives_csr_counts_in_the_asked_dtype():
    vocabulary, train, heldout = streaming.count_corpus(TEXT.encode("utf-8"), min_count=1, heldout_fraction=0.0,
                                                        dtype=torch.float32)
    vocab, dense = brute_force_counts(TEXT, TokenSpec(), 1)
    assert train.values.dtype == torch.float32 and vocabulary.words == vocab
    np.testing.assert_array_equal(train.dense().numpy(), dense)
    assert heldout.nnz == 0
