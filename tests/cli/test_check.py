"""`elbocheck check FILE`: the example file, the JSON keys, exit codes, and one-line errors for malformed or
hostile files that leave no trace."""

import json
import os
from pathlib import Path

import pytest

from elbocheck.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "claims.toml"
KEYS = {"id", "where", "statement", "verdict", "method", "counterexample", "diagnosis", "seconds"}


def test_example_file_json(capsys):
    assert main(["check", str(EXAMPLE), "--json", "--jobs", "2"]) == 0
    records = {r["id"]: r for r in json.loads(capsys.readouterr().out)["claims"]}
    assert all(set(r) == KEYS for r in records.values())
    assert records["kl-to-prior"]["verdict"] == "proved"
    textbook = records["kl-to-prior-textbook"]
    assert textbook["verdict"] == "refuted"
    assert set(textbook["counterexample"]) == {"point", "lhs", "rhs"}
    assert any("-1/2" in d["edit"] for d in textbook["diagnosis"])
    assert all(set(d) == {"edit", "statement", "verdict"} for r in records.values() for d in r["diagnosis"])
    verdicts = {r["verdict"] for r in records.values()}
    assert "refuted" in verdicts and "proved" in verdicts and "undecided" not in verdicts


def write(tmp_path, text):
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_strict_exit_codes_and_text_output(tmp_path, capsys):
    path = write(tmp_path, '[symbols]\ns = "positive"\n[[claim]]\nid = "good"\nstatement = "log(s**2) = 2*log(s)"\n'
                           '[[claim]]\nid = "bad"\nwhere = "(3)"\nstatement = "log(s**2) = log(s)"\n')
    assert main(["check", path, "--only", "good", "--strict"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 claim: 1 proved, 0 verified, 0 refuted, 0 undecided"
    assert main(["check", path, "--only", "bad"]) == 0
    out = capsys.readouterr().out
    assert "bad, (3): refuted" in out and "counterexample at s =" in out
    assert main(["check", path, "--only", "bad", "--strict"]) == 1


@pytest.mark.parametrize("text, expected", [
    ('[[claim]\nid = "a"\n', "TOML syntax"),
    ('[[claim]]\nid = "k"\nstatement = "Gaussian(0, 1) = 1"\n', "'k'"),
    ('[[claim]]\nid = "k"\nstatement = "x + 1"\n', "no relation"),
    ('[symbols]\nx = "reel"\n[[claim]]\nid = "k"\nstatement = "x = 1"\n', "unknown assumption"),
    ('[[claim]]\nid = "k"\nstatment = "x = 1"\n', "unknown key"),
    ('[symbols]\nx = "real"\n[[claim]]\nid = "k"\nstatement = "x = 1"\n[[claim]]\nid = "k"\nstatement = "x = 2"\n',
     "twice"),
    ('[symbols]\nx = "real"\n[[claim]]\nid = "k"\nstatement = "x = 1"\ntolerance = 0.1\n', "tolerance"),
    ('[symbols]\nmu = "real"\n[[claim]]\nid = "k"\nstatement = "KL(Normal(mu, sigma), Normal(0, 1)) >= 0"\n',
     "'k' (TOML line 3): 'sigma' is not declared; declare each in [symbols]"),
    ('[[claim]]\nid = "k"\nstatement = "Normal(0, 1) = 1"\n', "where a number is expected"),
    ('[symbols]\nx = "[2, 1]"\n[[claim]]\nid = "k"\nstatement = "x = 1"\n', "empty"),
])
def test_malformed_file_is_one_line_exit_2(tmp_path, capsys, text, expected):
    assert main(["check", write(tmp_path, text)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_malformed_claim_is_named_by_id_and_line(tmp_path, capsys):
    text = '[[claim]]\nid = "fine"\nstatement = "1 = 1"\n\n[[claim]]\nid = "broken"\nstatement = "foo(1) = 1"\n'
    assert main(["check", write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert "'broken'" in err and "line 5" in err


def test_unknown_only_and_missing_file(tmp_path, capsys):
    path = write(tmp_path, '[[claim]]\nid = "a"\nstatement = "1 = 1"\n')
    assert main(["check", path, "--only", "zzz"]) == 2
    assert main(["check", str(tmp_path / "absent.toml")]) == 2
    assert main(["check"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3


HOSTILE = [
    "__import__('os').system('touch pwned') = 0",
    "open('pwned', 'w') = 1",
    "().__class__.__bases__ = 1",
    "9**9**9**9 = 1",
    "factorial(10**9) = 1",
    "(lambda: 0)() = 0",
    "[f for f in x] = 1",
]


@pytest.mark.parametrize("statement", HOSTILE)
def test_hostile_statements_leave_no_trace(tmp_path, capsys, monkeypatch, statement):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, f'[[claim]]\nid = "h"\nstatement = {json.dumps(statement)}\n')
    assert main(["check", path]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["claims.toml"]


def test_a_slow_claim_is_undecided_within_its_time_box(tmp_path, capsys):
    path = write(tmp_path, '[[claim]]\nid = "slow"\nstatement = "E(cos(x)**3*log(1 + x**2), x, Normal(0, 1)) = 1"\n')
    assert main(["check", path, "--json", "--timeout", "0.5"]) == 0
    record = json.loads(capsys.readouterr().out)["claims"][0]
    assert record["verdict"] == "undecided" and "time box" in record["method"]
    assert main(["check", path, "--timeout", "0.5", "--strict"]) == 1


def test_python_check_decides_one_statement_and_names_what_is_wrong_without_a_file():
    from elbocheck import check

    assert check("log(s**2) = 2*log(s)", {"s": "positive"})["verdict"] == "proved"
    result = check("log(x**2) = 2*log(x)", {"x": "real"})
    assert result["verdict"] == "refuted" and float(result["counterexample"]["point"]["x"]) < 0
    with pytest.raises(ValueError, match=r"^'r' is not declared; declare each in symbols") as error:
        check("KL(Bernoulli(p), Bernoulli(r)) >= 0", {"p": "(0, 1)"})
    assert "TOML" not in str(error.value)
    with pytest.raises(ValueError, match=r"^KL: expected KL\(P, Q\)"):
        check("KL(Normal(mu, s)) = 1", {"mu": "real", "s": "positive"})
