"""Rule evaluation time per request, next to a do-nothing baseline that only builds the input.

    .venv/bin/python bench/bench_rules.py [--iterations N] [--full]

Prints the median microseconds per request for: building the request facts only (baseline);
building them and evaluating against the full shipped rule sets (platform policy plus the
jurisdiction's layers, over a mix of US, FR, DE, GB and fallback requests); and against a
synthetic 200-rule set. ``--full`` runs more iterations and adds the database path of a check
(finding the rule sets in force, then evaluating) on a throw-away SQLite database, or on
DATABASE_URL when set. Target: under 1 ms per request for the shipped sets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="lawreq-bench-rules-")
os.environ.setdefault("LAWREQ_DATA_DIR", _tmp)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")

import django  # noqa: E402

django.setup()

from rules.checks import CHECKS  # noqa: E402
from rules.documents import load_rule_text, validate_rule_document  # noqa: E402
from rules.engine import compile_ruleset, evaluate, layers_in_force  # noqa: E402
from rules.facts import RequestFacts  # noqa: E402
from rules.services import SHIPPED_DIR  # noqa: E402

RECEIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
CHAINS = {"US": ["US"], "FR": ["EU", "FR"], "DE": ["EU", "DE"], "GB": ["GB"], "BR": ["BR"]}
CATEGORIES = ["phone_number", "ip_addresses", "subscriber_profile", "content"]
PROCESS_TYPES = ["subpoena", "court_order", "search_warrant", "production_order", "preservation_order"]


def request_inputs(count: int) -> list[dict]:
    """Varied, realistic request data: every jurisdiction, some failing, some missing information."""
    rng = random.Random(7)
    inputs = []
    for index in range(count):
        code = list(CHAINS)[index % len(CHAINS)]
        inputs.append(
            {
                "jurisdiction": code,
                "process_type": rng.choice(PROCESS_TYPES),
                "received_at": RECEIVED,
                "legal_channel": rng.choice(["direct", "direct", "mlat", "agreement"]),
                "emergency": rng.random() < 0.1,
                "emergency_justification": rng.choice(["", "Threat to life"]),
                "case_number": rng.choice(["", "2026-CR-0042"]),
                "offense": "Fraud",
                "offense_category": rng.choice(["fraud", "terrorism", ""]),
                "offense_max_sentence_years": rng.choice([None, 2, 5, 20]),
                "terms_violation": rng.random() < 0.8,
                "issuing_authority_type": rng.choice(["judge", "court", "prosecutor", "police", ""]),
                "issuing_authority_name": "Court",
                "issued_at": RECEIVED.date() - dt.timedelta(days=rng.choice([2, 30, 1000])),
                "date_from": RECEIVED.date() - dt.timedelta(days=rng.choice([60, 400, 2000])),
                "date_to": RECEIVED.date() - dt.timedelta(days=30),
                "categories": tuple(sorted(rng.sample(CATEGORIES, rng.randint(1, 3)))),
                "documents_count": 1,
                "targets_count": 2,
                "agency_verified": rng.random() < 0.95,
                "agency_country": code,
                "agency_email_domains": ("police.example",),
                "officer_email_domain": "police.example",
            }
        )
    return inputs


def shipped_timelines() -> dict:
    timelines: dict = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        for entry in load_rule_text(path.read_text(encoding="utf-8"))["rulesets"]:
            compiled = compile_ruleset(
                entry, version=len(timelines.get(entry.get("jurisdiction", entry["scope"]), [])) + 1
            )
            timelines.setdefault(compiled.key, []).append(compiled)
    return timelines


SYNTHETIC_PARAMS = {
    "process_type_recognised": lambda r: {"process_types": r.sample(PROCESS_TYPES, 3)},
    "categories_allowed": lambda r: {"categories": r.sample(CATEGORIES, 3)},
    "categories_never_disclosed": lambda r: {"categories": ["content"]},
    "issuing_authority": lambda r: {"authorities": r.sample(["judge", "court", "prosecutor", "police"], 2)},
    "mandatory_fields": lambda r: {"fields": r.sample(["case_number", "offense", "issued_at", "date_range"], 2)},
    "offence_categories": lambda r: {"categories": ["fraud", "terrorism"]},
    "offence_min_max_sentence": lambda r: {"min_years": r.randint(1, 5), "except_offense_categories": ["terrorism"]},
    "terms_violation_required": lambda r: {},
    "document_max_age": lambda r: {"max_days": r.randint(30, 400)},
    "date_range_max_span": lambda r: {"max_days": r.randint(30, 400)},
    "date_range_not_future": lambda r: {},
    "date_range_within_retention": lambda r: {"days": r.randint(90, 800)},
    "emergency": lambda r: {"allowed": True, "deadline_hours": r.randint(1, 24), "out_of_band_verification": True},
    "response_deadline": lambda r: {"days": r.randint(5, 30)},
    "nondisclosure_order": lambda r: {"allowed": True, "max_days": 365},
    "preservation": lambda r: {"days": 90, "extension_days": 90},
    "legal_channel": lambda r: {"channels": ["direct", "agreement"]},
    "agency_verified": lambda r: {},
    "officer_email_domain": lambda r: {},
    "agency_country": lambda r: {},
}


def synthetic_ruleset(size: int = 200):
    rng = random.Random(11)
    checks = sorted(CHECKS)
    rules = []
    for index in range(size):
        check = checks[index % len(checks)]
        rule = {
            "id": f"synthetic.{index}",
            "check": check,
            "severity": rng.choice(["fail", "warn"]),
            "message": f"Synthetic rule {index}.",
            "citation": "Synthetic benchmark",
            "params": SYNTHETIC_PARAMS[check](rng),
        }
        if rng.random() < 0.5:
            rule["when"] = {"categories": rng.sample(CATEGORIES, 2)}
        rules.append(rule)
    document = {
        "format": "lawreq-rules/1",
        "rulesets": [{"scope": "platform", "name": "Synthetic", "effective_from": "2000-01-01", "rules": rules}],
    }
    return [compile_ruleset(validate_rule_document(document)["rulesets"][0], version=1)]


def median_us(operation, inputs: list[dict], iterations: int) -> float:
    samples = []
    clock = time.perf_counter_ns
    for index in range(iterations):
        data = inputs[index % len(inputs)]
        started = clock()
        operation(data)
        samples.append(clock() - started)
    return statistics.median(samples) / 1000


def database_path(inputs: list[dict], iterations: int) -> float:
    from django.core.management import call_command

    from rules.selectors import rulesets_in_force
    from rules.services import rules_load_shipped

    call_command("migrate", verbosity=0)
    rules_load_shipped()

    def check(data):
        evaluate(
            RequestFacts(**data), rulesets_in_force(jurisdiction_code=data["jurisdiction"], at=data["received_at"])
        )

    median_us(check, inputs, 50)  # warm the compiled-version cache
    return median_us(check, inputs, iterations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--full", action="store_true")
    options = parser.parse_args()
    iterations = options.iterations or (100_000 if options.full else 10_000)

    inputs = request_inputs(500)
    timelines = shipped_timelines()
    layers = {code: layers_in_force(timelines, chain, RECEIVED.date()) for code, chain in CHAINS.items()}
    synthetic = synthetic_ruleset(200)
    shipped_rule_count = {code: len({r.id for layer in sets for r in layer.rules}) for code, sets in layers.items()}

    # Warm up.
    for data in inputs:
        evaluate(RequestFacts(**data), layers[data["jurisdiction"]])

    baseline = median_us(lambda data: RequestFacts(**data), inputs, iterations)
    shipped = median_us(lambda data: evaluate(RequestFacts(**data), layers[data["jurisdiction"]]), inputs, iterations)
    per_jurisdiction = {
        code: median_us(
            lambda data: evaluate(RequestFacts(**data), layers[data["jurisdiction"]]),
            [data for data in inputs if data["jurisdiction"] == code],
            iterations // 5,
        )
        for code in CHAINS
    }
    synthetic_us = median_us(lambda data: evaluate(RequestFacts(**data), synthetic), inputs, iterations // 5)

    print(
        f"rule evaluation, median microseconds per request ({iterations} iterations, Python {sys.version.split()[0]})"
    )

    def line(label: str, value: float, extra: str = "") -> None:
        print(f"  {label:<58} {value:8.1f} us{extra}")

    line("baseline: build the request facts only", baseline)
    line("shipped rule sets, mixed jurisdictions", shipped, f"   (evaluation alone {shipped - baseline:.1f} us)")
    for code, value in per_jurisdiction.items():
        line(f"  shipped, {code} ({shipped_rule_count[code]} rules: {' + '.join(s.key for s in layers[code])})", value)
    line("synthetic 200-rule set", synthetic_us, f"   (evaluation alone {synthetic_us - baseline:.1f} us)")
    verdict = "met" if shipped < 1000 else "MISSED"
    print(f"  target < 1000 us per request for the shipped sets: {verdict}")
    if options.full:
        database = database_path(inputs, 2000)
        engine = os.environ["DATABASE_URL"].split(":", 1)[0]
        line(f"with the database: rule sets in force + evaluate ({engine})", database)


if __name__ == "__main__":
    main()
