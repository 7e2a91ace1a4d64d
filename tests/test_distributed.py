"""The process-group helpers in two gloo processes on this machine, against one process's results."""

import numpy as np
import pytest
import torch

from elbocheck import distributed
from elbocheck.data import streaming
from tests.data.test_streaming import TEXT
from tests.spawn import run_ranks


def count_and_reduce(path, out, fraction):
    group, device = distributed.setup("cpu")
    try:
        assert group.world_size == 2 and group.backend == "gloo"
        vocabulary, train, heldout = streaming.count_corpus(path, heldout_fraction=fraction, min_count=1,
                                                            group=group, chunk_bytes=5)
        sums = [distributed.all_reduce_sum(matrix.dense(), group) for matrix in (train, heldout)]
        mine = distributed.all_reduce_sum(torch.tensor([float(train.n_tokens)], dtype=torch.float64), group)
        ranks = distributed.all_gather_object(group.rank, group)
        if group.is_main:
            np.savez(out, train=sums[0].numpy(), heldout=sums[1].numpy(), words=np.array(vocabulary.words),
                     local_tokens=train.n_tokens, total_tokens=mine.numpy(), ranks=np.array(ranks))
    finally:
        distributed.shutdown(group)


def test_two_processes_count_their_byte_ranges_and_agree_on_one_vocabulary(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    out = tmp_path / "sums.npz"
    run_ranks(count_and_reduce, 2, path, out, 0.3)
    vocabulary, train, heldout = streaming.count_corpus(path, heldout_fraction=0.3, min_count=1)
    found = np.load(out)
    assert found["words"].tolist() == vocabulary.words
    np.testing.assert_array_equal(found["train"], train.dense().numpy())
    np.testing.assert_array_equal(found["heldout"], heldout.dense().numpy())
    assert 0 < found["local_tokens"] < found["total_tokens"][0] == train.n_tokens
    assert found["ranks"].tolist() == [0, 1]


def raise_on_one_rank(out):
    group, _ = distributed.setup("cpu")
    try:
        distributed.agree_on_error(ValueError("corpus: bad on rank 1") if group.rank == 1 else None, group)
    except ValueError as error:
        with open(f"{out}.{group.rank}", "w") as stream:
            stream.write(str(error))
    finally:
        distributed.shutdown(group)


def test_an_error_on_one_process_stops_every_process_with_its_message(tmp_path):
    run_ranks(raise_on_one_rank, 2, tmp_path / "error")
    assert [(tmp_path / f"error.{rank}").read_text() for rank in (0, 1)] == ["corpus: bad on rank 1"] * 2


@pytest.mark.parametrize("start, stop, world_size", [(0, 10, 3), (5, 6, 4), (0, 0, 2), (3, 17, 1)])
def test_shares_are_contiguous_disjoint_and_cover_the_range(start, stop, world_size):
    shares = [distributed.share(start, stop, distributed.Group(rank, world_size)) for rank in range(world_size)]
    covered = [index for piece in shares for index in range(piece.start, piece.stop)]
    assert covered == list(range(start, stop))
    assert max(len(range(s.start, s.stop)) for s in shares) - min(len(range(s.start, s.stop)) for s in shares) <= 1


def test_alone_every_helper_is_the_identity(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    group, device = distributed.setup("cpu")
    tensor = torch.arange(3.0)
    assert group == distributed.SINGLE and device == torch.device("cpu") and group.is_main
    assert distributed.all_reduce_sum(tensor) is tensor and distributed.all_gather_object(4) == [4]
    assert group.as_dict() == {"world_size": 1, "backend": None}


def test_an_incomplete_torchrun_environment_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    for name in ("RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="RANK"):
        distributed.setup("cpu")


def fit_in_two(path, out):
    from functools import partial

    from elbocheck.fast import bigram_em

    group, _ = distributed.setup("cpu")
    try:
        _, train, _ = streaming.count_corpus(path, min_count=1, group=group)
        result = bigram_em.fit(train, 3, n_iter=8, tol=0.0, restarts=2, reduce=partial(distributed.all_reduce_sum,
                                                                                        group=group))
        if group.is_main:
            np.savez(out, A=result.A.numpy(), B=result.B.numpy(), history=result.log_likelihoods.numpy(),
                     local_tokens=train.n_tokens)
    finally:
        distributed.shutdown(group)


def test_em_on_two_processes_equals_em_on_one(tmp_path):
    from elbocheck.fast import bigram_em

    path = tmp_path / "corpus.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    run_ranks(fit_in_two, 2, path, tmp_path / "fit.npz")
    found = np.load(tmp_path / "fit.npz")
    _, train, _ = streaming.count_corpus(path, min_count=1)
    alone = bigram_em.fit(train, 3, n_iter=8, tol=0.0, restarts=2)
    assert found["local_tokens"] < train.n_tokens
    np.testing.assert_allclose(found["history"], alone.log_likelihoods.numpy(), rtol=1e-10)
    np.testing.assert_allclose(found["A"], alone.A.numpy(), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(found["B"], alone.B.numpy(), rtol=1e-10, atol=1e-300)
