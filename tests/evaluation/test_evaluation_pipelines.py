"""Pipeline selection: candidates are config.yml with a few sizes changed; the fastest good one wins."""

from __future__ import annotations

import pytest

from evaluation.pipelines import CANDIDATES, Result, candidate_config, choose, report


def component(config: dict, name: str, **match: str) -> dict:
    return next(c for c in config["pipeline"] if c["name"] == name and all(c.get(k) == v for k, v in match.items()))


def test_a_candidate_changes_only_what_it_names() -> None:
    base = candidate_config({})
    changed = candidate_config({"diet": {"epochs": 7}, "char": {"max_ngram": 2}})
    assert component(changed, "DIETClassifier")["epochs"] == 7
    assert component(changed, "CountVectorsFeaturizer", analyzer="char_wb")["max_ngram"] == 2
    assert component(base, "DIETClassifier")["epochs"] != 7
    others = [c for c in changed["pipeline"] if c["name"] != "DIETClassifier" and c.get("analyzer") != "char_wb"]
    assert others == [c for c in base["pipeline"] if c["name"] != "DIETClassifier" and c.get("analyzer") != "char_wb"]


def test_every_candidate_applies_to_config_yml() -> None:
    for changes in CANDIDATES.values():
        candidate_config(changes)
    with pytest.raises(ValueError):
        candidate_config({"no such component": {"x": 1}})


def result(name: str, accuracy: float, f1: float, false_journeys: float, seconds: float) -> Result:
    return Result(name, accuracy, f1, false_journeys, 0.02, seconds)


def test_the_fastest_candidate_that_gives_up_nothing_that_matters_is_chosen() -> None:
    slow_best = result("slow", 0.890, 0.770, 0.026, 600)
    fast_close = result("fast", 0.887, 0.765, 0.028, 200)
    faster_worse = result("faster", 0.870, 0.760, 0.026, 100)
    more_false_journeys = result("risky", 0.890, 0.770, 0.040, 150)
    results = [slow_best, fast_close, faster_worse, more_false_journeys]
    assert choose(results) == fast_close
    assert "Chosen: **fast**" in report(results, 3)
