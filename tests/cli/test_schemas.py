"""Every command's result.json against its JSON Schema (elbocheck/schemas), on small runs; and the schemas refuse
a document with a key missing, a key added or a value of the wrong type, so the check can fail."""

import copy
import json

import jsonschema
import pytest

from elbocheck.cli import main
from elbocheck.schemas import COMMANDS, load

TEXT = "the cat sat on the mat. the dog sat on the log. a cat saw a dog; the dog saw the cat!\n" * 8
RUNS = {
    "em": ["--states", "2", "--iters", "3", "--restarts", "2", "--corpus", "{corpus}"],
    "vae": ["--epochs", "1", "--latent", "2", "--hidden", "8", "--iwae", "2", "--threads", "1"],
    "gan-demo": ["--steps", "3", "--batch", "16", "--strings", "64"],
    "ring": ["--N", "3", "--samples", "5,10", "--repeats", "2"],
    "residual": ["--steps", "2", "--depths", "1", "--jacobian-depth", "2", "--draws", "1", "--d-model", "8",
                 "--heads", "2", "--context", "4", "--corpus", "{corpus}"],
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    corpus = folder / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    found = {}
    for command, argv in RUNS.items():
        out = folder / command
        argv = [part.format(corpus=corpus) for part in argv]
        assert main([command, *argv, "--device", "cpu", "--out", str(out)]) == 0
        found[command] = json.loads((out / "result.json").read_text())
    return found


def test_every_command_that_writes_a_result_has_a_schema():
    assert sorted(COMMANDS) == sorted(RUNS)
    for command in COMMANDS:
        jsonschema.Draft202012Validator.check_schema(load(command))


@pytest.mark.parametrize("command", sorted(RUNS))
def test_result_json_follows_its_schema(documents, command):
    jsonschema.validate(documents[command], load(command), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("command", sorted(RUNS))
def test_the_schema_refuses_a_missing_key_an_unknown_key_and_a_wrong_type(documents, command):
    validator = jsonschema.Draft202012Validator(load(command))
    missing = copy.deepcopy(documents[command])
    del missing["device"]
    unknown = {**documents[command], "surprise": 1}
    wrong = {**documents[command], "command": 7}
    for broken in (missing, unknown, wrong):
        assert list(validator.iter_errors(broken))


def test_an_unknown_command_is_refused():
    with pytest.raises(ValueError, match="command: expected one of"):
        load("claims")
