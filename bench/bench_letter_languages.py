"""A letter in French or German against the same letter in English: render time and file size.

    .venv/bin/python bench/bench_letter_languages.py

A letter not in English is laid out twice (its own language, then the English copy embedded in it,
annex included): this prints what that costs, by number of IP events. No database, no signing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SIZES = [10, 1_000, 10_000]
REPEATS = 3


def main() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawreq.settings")
    os.environ.setdefault("LAWREQ_DATA_DIR", tempfile.mkdtemp(prefix="bench-languages-"))
    import django

    django.setup()
    from demo.letter_samples import sample_decision, sample_letter_content, sample_target
    from letters.rendering import letter_render

    for language in ("en", "fr", "de"):  # warm-up: fonts, templates, catalogues, page-count hints
        letter_render(
            sample_letter_content(decision=sample_decision(targets=(sample_target(events=1),)), language=language)
        )
    print(f"{'events':>8}  {'language':>8}  {'render (median of 3)':>21}  {'pages':>5}  {'bytes':>10}")
    for size in SIZES:
        decision = sample_decision(targets=(sample_target(events=size),))
        for language in ("en", "fr", "de"):
            content = sample_letter_content(decision=decision, language=language)
            timings, rendered = [], None
            for _repeat in range(REPEATS):
                started = time.perf_counter()
                rendered = letter_render(content)
                timings.append(time.perf_counter() - started)
            median = statistics.median(timings)
            print(f"{size:>8,}  {language:>8}  {median:>19.2f} s  {rendered.pages:>5}  {len(rendered.pdf):>10,}")


if __name__ == "__main__":
    main()
