"""Sentences and tokens of raw UTF-8 bytes, defined so that any piece of a file cut at a sentence break gives the
same tokens and sentences as the whole file.

A sentence ends at a separator in the raw bytes: a run of the marks . ! ? ; : (and their CJK and full-width forms
。 ！ ？ ； ： and …), a blank line, or a NUL byte (mode "words"); a line break (mode "whitespace"). Tokens are then
found in each sentence's text:

- "words": the text is NFKC-normalised and (unless lowercase=False) casefolded; a word is a run of Unicode word
  characters (`\\w`, letters and digits of every script) with apostrophes ' or ’ allowed inside (written '),
  except that each CJK ideograph is a word of its own, since Chinese and Japanese text has no spaces between words.
- "whitespace": pre-tokenised text, or integer symbol sequences, one sequence per line: every whitespace-separated
  string is a token, NFKC-normalised and (unless lowercase=False) casefolded.

Each sentence is named by the byte offset at which the separator that ends it starts (the file's length for a
last sentence without one): a name that does not depend on where the file was cut, used to split sentences
between training and held-out data (elbocheck/data/streaming.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

import numpy as np

MODES = ("words", "whitespace")
BREAK = "\x00"  # stands for a sentence break among the tokens; never a token itself
_MARKS = ".!?;:\x00"
_WIDE_MARKS = "。！？；：…"
_WIDE = b"|".join(re.escape(mark.encode("utf-8")) for mark in _WIDE_MARKS)
_SEPARATOR = {  # the lookahead lets the regex engine skip quickly to the next possible separator
    "words": re.compile(
        rb"(?=[" + re.escape((_MARKS + "\n").encode()) + bytes(sorted({m.encode()[0] for m in _WIDE_MARKS})) + rb"])"
        rb"(?:(?:[" + re.escape(_MARKS.encode()) + rb"]|" + _WIDE + rb")+|\n[ \t\r\f\v]*\n)"
    ),
    "whitespace": re.compile(rb"[\n\x00]+"),
}
# a piece may be cut just after one of these: each is a whole separator (or the end of one)
CUT_AFTER = {
    "words": [mark.encode("utf-8") for mark in _MARKS + _WIDE_MARKS] + [b"\n\n"],
    "whitespace": [b"\n", b"\x00"],
}
_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_IDEOGRAPH = re.compile(f"[{_IDEOGRAPHS}]")
_WORD = re.compile(rf"\w+(?:'\w+)*|{BREAK}")
_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class TokenSpec:
    """How bytes become tokens: `mode` "words" (Unicode words) or "whitespace" (pre-tokenised, one sequence per
    line), and whether tokens are casefolded."""

    mode: str = "words"
    lowercase: bool = True

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"tokens: expected one of {list(MODES)}, got {self.mode!r}")
        if not isinstance(self.lowercase, bool):
            raise ValueError(f"lowercase: expected True or False, got {self.lowercase!r}")

    def as_dict(self) -> dict:
        return {**asdict(self), "normalization": "NFKC", "casefold": self.lowercase}


def last_cut(data: bytes, spec: TokenSpec) -> int:
    """The largest offset just after a sentence break in `data` (0 if there is none): cutting there gives pieces
    whose tokens and sentences are those of the whole."""
    return max(data.rfind(mark) + len(mark) if data.rfind(mark) >= 0 else 0 for mark in CUT_AFTER[spec.mode])


def first_cut(data: bytes, spec: TokenSpec) -> int | None:
    """The smallest offset just after a sentence break in `data`, or None if there is none."""
    ends = [position + len(mark) for mark in CUT_AFTER[spec.mode] if (position := data.find(mark)) >= 0]
    return min(ends) if ends else None


def tokenize(piece: bytes, spec: TokenSpec, name: str = "corpus", offset: int = 0) -> tuple[list[str], np.ndarray]:
    """The tokens of `piece` with BREAK between sentences, and the offsets (int64, one per sentence, the
    number of BREAKs + 1) naming each sentence: `offset` + where its ending separator starts, or + len(piece).

    `piece` must start at the file's start or just after a sentence break; ValueError naming `name` if it is not
    UTF-8.
    """
    ends = [match.start() for match in _SEPARATOR[spec.mode].finditer(piece)]
    marked = _SEPARATOR[spec.mode].sub(b" \x00 ", piece)
    try:
        text = marked.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8(piece, name, offset) from None
    text = unicodedata.normalize("NFKC", text)
    if spec.lowercase:
        text = text.casefold()
    if spec.mode == "words":
        if _IDEOGRAPH.search(text):
            text = _IDEOGRAPH.sub(r" \g<0> ", text)
        tokens = _WORD.findall(text.replace("\u2019", "'"))
    else:
        tokens = _NON_SPACE.findall(text)
    ends.append(len(piece))
    return tokens, offset + np.asarray(ends, dtype=np.int64)


def _not_utf8(piece: bytes, name: str, offset: int) -> ValueError:
    """The error for a piece that is not UTF-8, with the offending byte's offset in the file."""
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError as error:
        return ValueError(
            f"corpus: '{name}' is not UTF-8 text (byte 0x{piece[error.start]:02x} at offset {offset + error.start})"
        )
    return ValueError(f"corpus: '{name}' is not UTF-8 text")


def sentences(text: str, spec: TokenSpec = TokenSpec()) -> list[list[str]]:
    """The tokens of each sentence of `text`, empty sentences dropped (small texts; files are streamed)."""
    tokens, _ = tokenize(text.encode("utf-8"), spec)
    result, current = [], []
    for token in tokens:
        if token == BREAK:
            if current:
                result.append(current)
            current = []
        else:
            current.append(token)
    if current:
        result.append(current)
    return result
