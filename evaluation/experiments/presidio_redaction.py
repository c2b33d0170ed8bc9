"""`python -m evaluation.experiments.presidio_redaction`: Presidio's recognizers on our PII cases.

Presidio is not a dependency. presidio-analyzer 2.2.360 is the last release that fits Rasa
3.6's pins; install it (and tldextract) apart from the venv, then run this with it on the path:

    .venv/bin/pip install --target .build/presidio --no-deps presidio-analyzer==2.2.360 \\
        tldextract requests-file
    PYTHONPATH=.build/presidio .venv/bin/python -m evaluation.experiments.presidio_redaction

Every predefined English recognizer but the spaCy NER one (no English model is installed, and
none is verifiable here) runs on each part of evaluation/data/pii_cases.yml, scored as
evaluation.redaction_eval scores privacy.redaction, at Presidio's default score threshold (0)
and at 0.5. Any network
connection attempted meanwhile (tldextract may fetch the public suffix list; its cache starts
empty, as on a fresh machine) is refused and recorded. Writes
evaluation/results/redaction-presidio.json.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from typing import Any

from evaluation import RESULTS
from evaluation.redaction_eval import load_cases, microseconds_per_message, score

PRESIDIO_RESULTS = RESULTS / "redaction-presidio.json"
THRESHOLDS = (0.0, 0.5)
attempts: list[str] = []


def refuse_network() -> None:
    """Make every outgoing connection fail, and record where it was going."""

    def refuse(*args, **kwargs):
        attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args))
        raise OSError("network disabled by evaluation.experiments.presidio_redaction")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


def presidio_redactor(threshold: float):
    from presidio_analyzer import RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    recognizers = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]

    def redact(text: str) -> str:
        found = [
            result
            for recognizer in recognizers
            for result in recognizer.analyze(text, recognizer.supported_entities, None) or []
            if result.score >= threshold
        ]
        for result in sorted(found, key=lambda r: r.start, reverse=True):
            text = f"{text[: result.start]}<{result.entity_type}>{text[result.end :]}"
        return text

    return redact, [type(r).__name__ for r in recognizers]


def main() -> None:
    os.environ["TLDEXTRACT_CACHE"] = tempfile.mkdtemp()  # as on a fresh machine
    refuse_network()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "import_and_setup_s": None,
        "network_attempts": attempts,
        "thresholds": {},
    }
    for threshold in THRESHOLDS:
        redact, names = presidio_redactor(threshold)
        report["import_and_setup_s"] = report["import_and_setup_s"] or time.perf_counter() - started
        report["recognizers"] = names
        results = {}
        for name, part in load_cases().items():
            result = score(part, redact)
            texts = [case["text"] for case in part["pii"]] + part["clean"]
            result["us_per_message"] = microseconds_per_message(texts, redact)
            results[name] = {key: value for key, value in result.items() if key != "misses"}
            recall = {kind: round(r["recall"], 3) for kind, r in result["recall"].items()}
            print(
                f"threshold {threshold}, {name}: recall {recall}, clean altered"
                f" {result['clean_altered']}/{result['clean_questions']},"
                f" {result['us_per_message']:.0f} µs per message"
            )
        report["thresholds"][str(threshold)] = results
    print(f"network connections attempted: {len(attempts)} {attempts[:3]}")
    PRESIDIO_RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
