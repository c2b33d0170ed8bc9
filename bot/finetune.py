"""Fine-tunes all-MiniLM-L6-v2 as an intent classifier and writes it as int8 ONNX.

The fine-tuning runs in the fine-tuning venv (.venv-ft: torch, transformers, onnx, onnxruntime;
`make setup` builds it from requirements-finetune.txt), never in Rasa's: bot/intent_blend.py
starts it during `rasa train`, and evaluation/experiments/finetune_minilm.py uses its pieces.
The tokenizer and `onnx_classifier`, which serves the result, need only numpy, tokenizers and
onnxruntime, which Rasa's venv has too.

The whole encoder is trained, not only a head: BERT (MiniLM-L6, 384 wide) -> mean pooling over
the tokens -> dropout 0.1 -> a linear layer over the intents; cross-entropy, AdamW (weight decay
0.01), 10% linear warm-up then linear decay, batch 32, at most 64 tokens. The weights are the
checked files of bot.minilm; nothing is downloaded (transformers only builds the BERT module
from config.json).

    python -m bot.finetune EXAMPLES.json OUT_DIR [--epochs 6 --learning-rate 5e-5 --seed 0]
        [--frozen-embeddings] [--bf16] [--acceptable-weight 0.5] [--average-last 3]

EXAMPLES.json is {"examples": [[text, intent, [other intents that would serve it]], ...]};
OUT_DIR gets model.onnx (int8), intents.json (the model's outputs in order) and tokenizer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot import minilm

MAX_TOKENS = 64
BATCH = 32
BUCKET = 16  # batches: each batch is cut from BUCKET x BATCH shuffled examples sorted by length
MODEL_FILE, INTENTS_FILE, TOKENIZER_FILE = "model.onnx", "intents.json", "tokenizer.json"

# An example's metadata key: the other intents that would serve it (orchestration.generate
# writes them for the real questions, which list every acceptable topic)
ACCEPTABLE = "acceptable"
Classify = Callable[[list[str]], np.ndarray]


def tokenizer(directory: Path) -> Any:
    """The model's tokenizer: truncating at MAX_TOKENS, padding a batch to its longest text."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of `texts`, as int64 arrays (batch x tokens)."""
    encodings = tok.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    return ids, mask


def classifier(directory: Path, labels: int) -> Any:
    """MiniLM with the checked pretrained weights, mean pooling and a new linear head."""
    import torch
    import transformers
    from safetensors.torch import load_file

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            config = transformers.BertConfig.from_json_file(str(directory / "config.json"))
            config._attn_implementation = "eager"  # the same graph in training and in ONNX
            self.bert = transformers.BertModel(config, add_pooling_layer=False)
            state = load_file(str(directory / "model.safetensors"))
            state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
            missing, unexpected = self.bert.load_state_dict(state, strict=False)
            if missing or [k for k in unexpected if not k.endswith("position_ids")]:
                raise RuntimeError(f"weights do not fit: {missing} missing, {unexpected} extra")
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(config.hidden_size, labels)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return Classifier()


def batches(lengths: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """An epoch's batches of example indices: shuffled, then each run of BUCKET x BATCH sorted
    by length and cut into batches, in shuffled order. Texts of like length share a batch, so
    little of it is padding (about half of the tokens in random batches, measured here)."""
    order = rng.permutation(len(lengths))
    cut = []
    for start in range(0, len(order), BUCKET * BATCH):
        run = order[start : start + BUCKET * BATCH]
        run = run[np.argsort(lengths[run], kind="stable")]
        cut += [run[i : i + BATCH] for i in range(0, len(run), BATCH)]
    return [cut[i] for i in rng.permutation(len(cut))]


def any_of_loss(logits: Any, allowed: Any) -> Any:
    """The mean of -log(the probability of any allowed class), per row of `logits`:
    logsumexp over the allowed classes minus logsumexp over all."""
    import torch

    chosen = logits.masked_fill(~allowed, float("-inf"))
    return (torch.logsumexp(logits, -1) - torch.logsumexp(chosen, -1)).mean()


def fine_tune(
    texts: list[str],
    intents: list[str],
    directory: Path,
    *,
    learning_rate: float,
    epochs: int,
    seed: int,
    frozen_embeddings: bool = False,
    bfloat16: bool = False,
    acceptable: Sequence[Sequence[str]] | None = None,
    acceptable_weight: float = 0.0,
    average_last: int = 0,
    on_epoch: Callable[[int, Any, list[str], float, float], None] | None = None,
) -> tuple[Any, list[str]]:
    """The classifier trained on `texts` labelled `intents`, and its outputs' intent names.
    `acceptable[j]`: the other intents that would serve example j too (a real question's other
    labels); its loss is then (1 - `acceptable_weight`) x cross-entropy on its intent +
    `acceptable_weight` x -log(the probability of any of its intents) (any_of_loss).
    `average_last` N > 1: the weights returned are the mean of the last N epochs' (their
    floating-point tensors).
    `frozen_embeddings`: the word embeddings (half of the weights) stay as pretrained;
    `bfloat16`: the forward pass runs in bfloat16 (torch.autocast; the weights stay fp32).
    `on_epoch(epoch, model, names, seconds, mean_loss)` after each epoch."""
    import torch
    import transformers

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    names = sorted(set(intents))
    labels = np.array([names.index(i) for i in intents])
    allowed = np.zeros((len(texts), len(names)), dtype=bool)
    allowed[np.arange(len(texts)), labels] = True
    for j, others in enumerate(acceptable or ()):
        allowed[j, [names.index(i) for i in others if i in names]] = True
    tok = tokenizer(directory)
    lengths = np.array([sum(e.attention_mask) for e in tok.encode_batch(texts)])
    model = classifier(directory, len(names))
    model.train()
    if frozen_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    trained = [p for p in model.parameters() if p.requires_grad]
    steps = epochs * ((len(texts) + BATCH - 1) // BATCH)
    optimizer = torch.optim.AdamW(trained, lr=learning_rate, weight_decay=0.01)
    schedule = transformers.get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    loss_fn = torch.nn.CrossEntropyLoss()
    kept: dict[str, Any] = {}  # the weights of the epochs averaged, summed
    for epoch in range(1, epochs + 1):
        started, total = time.perf_counter(), 0.0
        for batch in batches(lengths, rng):
            ids, mask = encode(tok, [texts[j] for j in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
                logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
            logits = logits.float()
            loss = loss_fn(logits, torch.from_numpy(labels[batch]))
            if acceptable_weight:
                any_of = any_of_loss(logits, torch.from_numpy(allowed[batch]))
                loss = (1 - acceptable_weight) * loss + acceptable_weight * any_of
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss.detach()) * len(batch)
        if average_last > 1 and epoch > epochs - average_last:
            for key, value in model.state_dict().items():
                if value.is_floating_point():
                    kept[key] = kept.get(key, 0) + value.detach().clone()
            if epoch == epochs:
                mean = {key: value / min(average_last, epochs) for key, value in kept.items()}
                model.load_state_dict(mean, strict=False)
        if on_epoch:
            on_epoch(epoch, model, names, time.perf_counter() - started, total / len(texts))
    model.eval()
    return model, names


def export(model: Any, directory: Path, target: Path) -> Path:
    """`model` as fp32 ONNX at `target`: inputs input_ids and attention_mask, output logits."""
    import torch

    model.eval()
    ids, mask = encode(tokenizer(directory), ["what do you do with my data", "hi"])
    torch.onnx.export(
        model,
        (torch.from_numpy(ids), torch.from_numpy(mask)),
        str(target),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    return target


def quantize(fp32: Path, target: Path) -> Path:
    """`fp32` with int8 weights (dynamic quantization of MatMul and Gather, per channel): a
    quarter of the size; the classifier stays within half a point of fp32's top-1
    (evaluation/results/finetune-minilm-latest.md)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    return target


def onnx_classifier(model: bytes, tok: Any, threads: int = 1) -> Classify:
    """Texts -> intent probabilities (softmax) of the ONNX `model`, on `threads` threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def classify(texts: list[str]) -> np.ndarray:
        ids, mask = encode(tok, texts)
        (logits,) = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
        logits = logits - logits.max(-1, keepdims=True)
        return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)

    return classify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("examples", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--acceptable-weight", type=float, default=0.0, help="see fine_tune")
    parser.add_argument("--average-last", type=int, default=0, help="see fine_tune")
    parser.add_argument("--frozen-embeddings", action="store_true", help="see fine_tune")
    parser.add_argument("--bf16", action="store_true", help="see fine_tune")
    parser.add_argument("--threads", type=int, default=0, help="torch's threads (0: its own)")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"  # transformers builds the model from files, never a hub
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = json.loads(args.examples.read_text(encoding="utf-8"))["examples"]
    directory = minilm.files()
    print(f"fine-tuning on {len(rows)} examples of {len({row[1] for row in rows})} intents")

    def progress(epoch: int, _model: Any, _names: list[str], seconds: float, loss: float) -> None:
        print(f"fine-tuning epoch {epoch}/{args.epochs}: loss {loss:.3f}, {seconds:.0f} s")

    model, names = fine_tune(
        [row[0] for row in rows],
        [row[1] for row in rows],
        directory,
        acceptable=[row[2] for row in rows],
        acceptable_weight=args.acceptable_weight,
        average_last=args.average_last,
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        seed=args.seed,
        frozen_embeddings=args.frozen_embeddings,
        bfloat16=args.bf16,
        on_epoch=progress,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        quantize(export(model, directory, Path(tmp) / "fp32.onnx"), args.out / MODEL_FILE)
    (args.out / INTENTS_FILE).write_text(json.dumps(names), encoding="utf-8")
    shutil.copyfile(directory / TOKENIZER_FILE, args.out / TOKENIZER_FILE)


if __name__ == "__main__":
    main()
