import pytest

from elbocheck.cli import main


@pytest.fixture
def cli(capsys):
    """Runs `elbocheck ARGS...` in this process: cli("em", "--corpus", path, ...) -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
