"""Form engine benchmarks: run with `python benchmarks/bench_forms.py`; prints medians.

1. Validate and score one NEWS2 submission (target: median under 1 ms), against plain jsonschema
   validation of the same answers as the baseline.
2. Build the WTForms class for a 60-field form without the cache (target: under 5 ms), against plain
   jsonschema validation of an answer document for that form.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402

from forms.definition import find_definition_file, load_definition  # noqa: E402
from forms.engine import validate_and_score  # noqa: E402
from forms.rendering import build_form_class  # noqa: E402

KINDS = [
    "integer",
    "decimal",
    "single_choice",
    "yes_no",
    "text",
    "date",
    "multiple_choice",
    "scale",
    "long_text",
    "time",
]


def median_ms(func, repeat: int = 2000, warmup: int = 50) -> float:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def sixty_field_definition() -> dict:
    label = {"en-GB": "Question", "cy": "Cwestiwn"}
    options = [{"value": v, "label": {"en-GB": v, "cy": v}, "points": i} for i, v in enumerate(["a", "b", "c"])]
    props = {}
    for i in range(60):
        kind = KINDS[i % len(KINDS)]
        key = f"q{i:02d}"
        prop = {"x-type": kind, "x-label": label, "x-required": i % 3 == 0}
        if kind == "integer":
            prop.update(type="integer", minimum=0, maximum=300, **{"x-unit": "mmHg"})
        elif kind == "decimal":
            prop.update(type="number", minimum=0, maximum=50, **{"x-decimals": 1})
        elif kind == "single_choice":
            prop.update(type="string", enum=["a", "b", "c"], **{"x-options": options})
        elif kind == "multiple_choice":
            prop.update(type="array", items={"type": "string", "enum": ["a", "b", "c"]}, **{"x-options": options})
        elif kind == "yes_no":
            prop.update(type="boolean")
        elif kind == "scale":
            prop.update(type="integer", minimum=0, maximum=10)
        else:
            prop.update(type="string")
        if i and i % 7 == 0:
            prop["x-visible-if"] = {"==": [{"var": "q03"}, True]}
        props[key] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "x-form": {"key": "bench_sixty", "version": 1, "title": label, "locales": ["en-GB", "cy"]},
        "x-layout": {
            "pages": [
                {"key": f"p{p}", "sections": [{"key": "s", "fields": list(props)[p * 20 : (p + 1) * 20]}]}
                for p in range(3)
            ]
        },
    }


def sixty_field_answers() -> dict:
    values = {
        "integer": 120,
        "decimal": 36.6,
        "single_choice": "b",
        "yes_no": True,
        "text": "fine",
        "date": "2025-01-01",
        "multiple_choice": ["a", "c"],
        "scale": 4,
        "long_text": "notes",
        "time": "10:00",
    }
    return {f"q{i:02d}": values[KINDS[i % len(KINDS)]] for i in range(60)}


def main() -> None:
    news2 = load_definition(find_definition_file("news2"))
    answers = dict(news2.examples[8]["answers"])
    baseline_validator = jsonschema.Draft202012Validator(news2.answer_schema)
    assert validate_and_score(news2, answers).band == "high_7_plus"

    engine_ms = median_ms(lambda: validate_and_score(news2, answers))
    baseline_ms = median_ms(lambda: baseline_validator.is_valid(answers))
    baseline_errors_ms = median_ms(lambda: list(baseline_validator.iter_errors(answers)))
    print("NEWS2 validate + score (visibility, pruning, jsonschema per field, checks, points, band)")
    print(f"  median {engine_ms:.3f} ms   target < 1 ms   {'OK' if engine_ms < 1 else 'SLOW'}")
    print(f"  baseline jsonschema is_valid     median {baseline_ms:.3f} ms")
    print(f"  baseline jsonschema iter_errors  median {baseline_errors_ms:.3f} ms")

    sixty = load_definition(sixty_field_definition())
    sixty_answers = sixty_field_answers()
    build_ms = median_ms(lambda: build_form_class(sixty, "en-GB", use_cache=False), repeat=300, warmup=10)
    cached_ms = median_ms(lambda: build_form_class(sixty, "en-GB"), repeat=2000)
    sixty_validator = jsonschema.Draft202012Validator(sixty.answer_schema)
    sixty_baseline_ms = median_ms(lambda: list(sixty_validator.iter_errors(sixty_answers)), repeat=500)
    sixty_engine_ms = median_ms(lambda: validate_and_score(sixty, sixty_answers), repeat=500)
    print("60-field form: build the WTForms class")
    print(f"  uncached build median {build_ms:.3f} ms   target < 5 ms   {'OK' if build_ms < 5 else 'SLOW'}")
    print(f"  cached lookup  median {cached_ms:.4f} ms")
    print(f"  baseline jsonschema iter_errors (60 answers) median {sixty_baseline_ms:.3f} ms")
    print(f"  engine validate (60 answers)                 median {sixty_engine_ms:.3f} ms")


if __name__ == "__main__":
    main()
