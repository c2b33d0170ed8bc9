"""`make knowledge` and a running `make run` say when what training reads changed."""

import shutil
from pathlib import Path

from orchestration.train import CONFIG, Retraining, fingerprint


def checkout(tmp_path: Path) -> Path:
    """A checkout's training inputs: config, domain and one NLU file."""
    (tmp_path / "data" / "nlu" / "generated").mkdir(parents=True)
    shutil.copy(CONFIG, tmp_path / "config.yml")
    (tmp_path / "domain.yml").write_text("version: '3.1'\n")
    (tmp_path / "data" / "nlu" / "generated" / "services.yml").write_text("nlu: []\n")
    return tmp_path


def test_says_once_per_change_which_inputs_changed(tmp_path):
    root = checkout(tmp_path)
    model = root / f"{fingerprint(root / 'config.yml', root)}.tar.gz"
    retraining = Retraining(model, root)
    assert retraining.news() is None
    services = root / "data" / "nlu" / "generated" / "services.yml"
    services.write_text("nlu: [{synonym: notice.tracker, examples: '- my tracker'}]\n")
    news = retraining.news()
    assert news is not None and news.startswith(
        "Retraining needed: data/nlu/generated/services.yml changed"
    )
    assert model.name.removesuffix(".tar.gz") in news
    assert retraining.news() is None  # said once
    (root / "data" / "nlu" / "more.yml").write_text("nlu: []\n")
    news = retraining.news()
    assert news is not None and "data/nlu/generated/services.yml, data/nlu/more.yml changed" in news
    (root / "data" / "nlu" / "more.yml").unlink()
    services.write_text("nlu: []\n")
    assert retraining.news() is None  # the model's inputs again
