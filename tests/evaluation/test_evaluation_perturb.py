"""The perturbed copy changes every message, keeps its label, and is the same on every machine."""

from __future__ import annotations

from evaluation.heldout import Labelled, read_heldout
from evaluation.keyword_baseline import classify
from evaluation.perturb import perturbed, traditional


def test_every_message_changes_and_keeps_its_label() -> None:
    clean = read_heldout()
    noisy = perturbed(clean)
    assert [e.intent for e in noisy] == [e.intent for e in clean]
    assert [e.alternates for e in noisy] == [e.alternates for e in clean]
    assert all(a.text != b.text for a, b in zip(clean, noisy, strict=True))


def test_the_copy_is_deterministic() -> None:
    clean = read_heldout()[:50]
    assert perturbed(clean) == perturbed(clean)
    assert perturbed(clean, seed=1) != perturbed(clean)


def test_traditional_characters() -> None:
    import random

    assert traditional("借呗能注销吗", random.Random(0)) == "借唄能注銷嗎"


def test_the_keyword_baseline_reads_first_rule_first() -> None:
    assert classify("转人工") == "request_human"
    assert classify("借呗被冻结了") == "ask_closed_by_platform"
    assert classify("花呗怎么关闭") == "close_account"
    assert classify("花呗怎么还款") == "out_of_scope"
    assert Labelled("r", "random", "x", "out_of_scope", frozenset()).accepts("out_of_scope")
