"""`elbocheck claims`: the table, the JSON contract, --explain, and one-line errors with exit code 2."""

import json

import pytest

from elbocheck.derivations import claims
from elbocheck.cli import main


def test_table_for_one_document(capsys):
    assert main(["claims", "--only", "004", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "004_731ca7da36ae138a.txt" in out and "003_6e48a97ce6918341.txt" not in out
    assert "counterexample:" in out and "corrected:" in out
    expected = len(claims.select(claims.registry(), "004"))
    assert out.strip().splitlines()[-1].startswith(f"{expected} claims:")


def test_json_contract(capsys):
    assert main(["claims", "--json", "--only", "002", "--jobs", "1"]) == 0
    records = json.loads(capsys.readouterr().out)["claims"]
    assert records and all(record["source"] == "002_ed75a671ee0e2e4a.txt" for record in records)
    refuted = [record for record in records if record["verdict"] == "refuted"]
    assert refuted and all(record["counterexample"] and record["corrected"] for record in refuted)


def test_explain_prints_the_claim_its_check_and_correction(capsys):
    assert main(["claims", "--explain", "003-eq18"]) == 0
    out = capsys.readouterr().out
    for part in ("As printed:", "Check:", "Verdict: refuted", "Counterexample:", "Corrected:", "-> proved"):
        assert part in out


@pytest.mark.parametrize(
    "argv, argument",
    [
        (["claims", "--explain", "003-eq99"], "--explain"),
        (["claims", "--only", "007"], "--only"),
        (["claims", "--jobs", "0"], "--jobs"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, argument, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and argument in lines[0]


def test_every_check_is_described_without_python_object_reprs():
    import re

    from elbocheck.derivations import claims

    reprs = re.compile(r" at 0x[0-9a-f]+|<function |<lambda>|<bound method |<class ")
    for claim in claims.registry():
        texts = [claim.build_check().describe()]
        if claim.corrected:
            texts.append(claim.build_correction().describe())
        for text in texts:
            assert not reprs.search(text), f"{claim.id}: {reprs.search(text).group(0)!r} in {text!r}"


def test_explain_names_a_procedures_functions_by_their_text(capsys):
    assert main(["claims", "--explain", "004-1b"]) == 0
    out = capsys.readouterr().out
    assert "quantity = pseudo_likelihood: " in out and "expected = lambda size: -size * sp.log(" in out
    assert " at 0x" not in out


def test_the_table_states_what_the_ledger_leaves_out(capsys):
    from elbocheck.commands.claims import print_table

    print_table([], 0.0)
    out = capsys.readouterr().out
    assert "Not checked by the ledger" in out and all(kind.split(":")[0] in out for kind in claims.LEFT_OUT)


def test_ctrl_c_twice_stops_the_ledger_promptly():
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-m", "elbocheck", "claims", "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode in (130, -signal.SIGINT)
