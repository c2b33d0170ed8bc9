"""The fine-tuning's batches (bot/finetune.py runs in the fine-tuning venv; its batching is
numpy only)."""

import numpy as np

from bot.finetune import BATCH, BUCKET, batches


def test_an_epoch_takes_every_example_once_in_batches_of_like_length():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 40, size=BUCKET * BATCH * 3 + 7)
    epoch = batches(lengths, np.random.default_rng(1))
    assert sorted(np.concatenate(epoch).tolist()) == list(range(len(lengths)))
    assert all(1 <= len(batch) <= BATCH for batch in epoch)
    padded = sum(lengths[batch].max() * len(batch) for batch in epoch)
    shuffled = np.random.default_rng(2).permutation(len(lengths))
    random = sum(
        lengths[shuffled[i : i + BATCH]].max() * BATCH for i in range(0, len(lengths), BATCH)
    )
    assert padded < 0.75 * random


def test_epochs_differ_and_a_seed_repeats_them():
    lengths = np.arange(BUCKET * BATCH * 2) % 17
    first, second = (batches(lengths, np.random.default_rng(0)) for _ in range(2))
    assert [b.tolist() for b in first] == [b.tolist() for b in second]
    rng = np.random.default_rng(0)
    assert [b.tolist() for b in batches(lengths, rng)] != [
        b.tolist() for b in batches(lengths, rng)
    ]
