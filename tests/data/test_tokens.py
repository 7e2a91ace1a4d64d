"""Sentences and tokens of French, Russian, Greek and Chinese text, of pre-tokenised text and of symbol ids; the
expected tokens are written out by hand from the rules in elbocheck/data/tokens.py's docstring."""

import unicodedata

import pytest

from elbocheck.data.tokens import TokenSpec, sentences

WORDS = TokenSpec("words")
WHITESPACE = TokenSpec("whitespace")


def test_french_words_keep_accents_and_inner_apostrophes():
    text = "L’été à Paris, c'est «magnifique» ! Où est-ce qu'on va ?"
    assert sentences(text) == [["l'été", "à", "paris", "c'est", "magnifique"], ["où", "est", "ce", "qu'on", "va"]]


def test_russian_words_are_casefolded_and_sentences_end_at_marks():
    text = "Привет, МИР! Ёлка зелёная; 2024 год."
    assert sentences(text) == [["привет", "мир"], ["ёлка", "зелёная"], ["2024", "год"]]


def test_greek_words_are_casefolded_including_the_final_sigma():
    text = "ΟΔΟΣ Σίσυφος. Καλημέρα κόσμε"
    assert sentences(text) == [["οδοσ", "σίσυφοσ"], ["καλημέρα", "κόσμε"]]


def test_each_chinese_ideograph_is_a_word_and_the_ideographic_full_stop_ends_a_sentence():
    text = "我爱北京天安门。天安门上太阳升！GDP增长"
    assert sentences(text) == [["我", "爱", "北", "京", "天", "安", "门"], ["天", "安", "门", "上", "太", "阳", "升"],
                               ["gdp", "增", "长"]]


def test_nfkc_folds_ligatures_and_full_width_forms():
    assert sentences("ﬁne ＡＢＣ１２ Café") == [["fine", "abc12", "café"]]
    decomposed = "Cafe\u0301"
    assert sentences(decomposed) == [[unicodedata.normalize("NFC", "café")]]


def test_no_lowercase_keeps_case_but_still_normalises():
    assert sentences("Straße ＡＢ Café.", TokenSpec("words", lowercase=False)) == [["Straße", "AB", "Café"]]
    assert sentences("Straße.", WORDS) == [["strasse"]]


def test_a_blank_line_ends_a_sentence_and_a_single_line_break_does_not():
    assert sentences("one two\nthree\n \nfour") == [["one", "two", "three"], ["four"]]


def test_whitespace_tokens_are_one_sequence_per_line():
    text = "12 7 3\n4 5\n\n\n6 \r\nNew_York is big .\n"
    assert sentences(text, WHITESPACE) == [["12", "7", "3"], ["4", "5"], ["6"], ["new_york", "is", "big", "."]]


def test_bad_specs_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="tokens"):
        TokenSpec("characters")
    with pytest.raises(ValueError, match="lowercase"):
        TokenSpec("words", lowercase="yes")
