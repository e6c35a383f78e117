"""The FAQ answers (bot/credit/faq.yml): grounded in credit.yml, in the service voice, answered only when sure."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.config import REPO_ROOT
from bot.credit.faq import (
    MIN_CONFIDENCE,
    OTHER,
    OTHER_RESPONSE,
    FaqAnswer,
    choose_response,
    load_faq,
    rasa_responses,
    unsupported_claims,
)
from bot.credit.knowledge import load_knowledge

ANSWERS = load_faq()
MIN_TOPICS = 20  # issue 13: at least 20 topics, the most frequent ones


def test_every_answer_rests_on_existing_statable_facts_with_a_source() -> None:
    knowledge = load_knowledge()
    assert [p for a in ANSWERS for p in unsupported_claims(a, knowledge)] == []
    for answer in ANSWERS:
        assert answer.source.strip() and answer.question.strip(), answer.topic


def test_an_answer_citing_an_unknown_fact_or_overstating_its_confidence_is_caught() -> None:
    knowledge = load_knowledge()
    invented = FaqAnswer("x", "?", "…", ("no_such_fact",), "src", "中")
    overstated = FaqAnswer("y", "?", "…", ("app_is_authoritative",), "src", "高")  # the fact is only 中
    bare = FaqAnswer("z", "?", "…", (), "src", "中")
    assert unsupported_claims(invented, knowledge) == ["x: no fact no_such_fact in credit.yml"]
    assert unsupported_claims(overstated, knowledge) == ["y: confidence 高 above its weakest fact"]
    assert unsupported_claims(bare, knowledge) == ["z: rests on no fact"]


@pytest.mark.parametrize("field", ['source: ""', "confidence: 低", "topic: other"])
def test_an_answer_without_source_or_statable_confidence_is_refused(tmp_path: Path, field: str) -> None:
    entry = {"topic": "t", "question": "?", "text": "…", "facts": ["objection"], "source": "s", "confidence": "中"}
    key, value = field.split(": ")
    entry[key] = yaml.safe_load(value)
    path = tmp_path / "faq.yml"
    path.write_text(yaml.safe_dump({"answers": [entry]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError):
        load_faq(path)


def test_answers_address_the_user_as_nin_in_chinese_without_english() -> None:
    for answer in ANSWERS:
        assert "你" not in answer.text, answer.topic
        assert re.findall(r"[A-Za-z]+", answer.text) in ([], ["App"], ["App", "App"]), answer.topic
        assert len(answer.text) <= 200, f"{answer.topic}: keep it concise"


def test_the_rasa_responses_are_generated_from_the_reviewed_file() -> None:
    # data/faq/responses.yml is what Rasa says; run scripts/faq_responses.py after editing faq.yml
    generated = (REPO_ROOT / "data" / "faq" / "responses.yml").read_text(encoding="utf-8")
    assert generated == rasa_responses(ANSWERS)
    said = yaml.safe_load(generated)["responses"]
    assert {name: v[0]["text"] for name, v in said.items()} == {a.response: a.text for a in ANSWERS}


def training_topics() -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in (REPO_ROOT / "data" / "nlu").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            intent = str(block.get("intent", ""))
            if intent.split("/")[0] == "out_of_scope":
                counts[intent] += len([x for x in block["examples"].splitlines() if x.strip().startswith("- ")])
    return counts


def test_every_out_of_scope_example_has_a_topic_and_every_topic_an_answer_or_other() -> None:
    counts = training_topics()
    assert "out_of_scope" not in counts  # Rasa needs a sub-intent on every example of a retrieval intent
    topics = {a.topic for a in ANSWERS}
    assert {k.split("/")[1] for k in counts} == topics | {OTHER}
    assert len(topics) >= MIN_TOPICS
    assert all(counts[f"out_of_scope/{t}"] >= 10 for t in topics), counts


def test_the_answered_topics_are_the_most_frequent_labelled_ones() -> None:
    with (REPO_ROOT / "labelling" / "faq_topics.tsv").open(encoding="utf-8", newline="") as f:
        labelled = Counter(r["topic"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    answered = [a.topic for a in ANSWERS]
    assert answered == sorted(answered, key=lambda t: -labelled[t])  # the file lists them most frequent first
    left_out = {t: n for t, n in labelled.items() if t not in answered and t != OTHER}
    # a topic is left out only for want of anything reviewed to say (labelling/faq_topics.md)
    assert set(left_out) == {
        "verification_and_authorisation",
        "promotions",
        "wangshang_loan",
        "product_basics",
        "minimum_repayment",
        "reminders",
    }


def test_an_answer_only_for_a_confident_answered_topic() -> None:
    assert choose_response("out_of_scope/auto_repay", MIN_CONFIDENCE) == "utter_out_of_scope/auto_repay"
    assert choose_response("out_of_scope/auto_repay", MIN_CONFIDENCE - 0.01) == OTHER_RESPONSE
    assert choose_response("out_of_scope/other", 0.99) == OTHER_RESPONSE
    assert choose_response("out_of_scope/promotions", 0.99) == OTHER_RESPONSE  # no reviewed answer
    assert choose_response(None, None) == OTHER_RESPONSE  # a /out_of_scope button: no pick
    assert choose_response("close_account/x", 0.99) == OTHER_RESPONSE


def test_the_readme_lists_every_faq_topic() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert [a.question for a in ANSWERS if a.question not in readme] == []


def answer_text(topic: str) -> str:
    return next(a.text for a in ANSWERS if a.topic == topic)


# Wording the second review corrected (issue 13): what the answer says now, and what it must not say again.
@pytest.mark.parametrize(
    ("topic", "says", "never_says"),
    [
        ("overdue", "逾期一般还会报送到征信", "逾期还会报送到征信"),
        ("merchant_collection", "原有的个人收款码没有停用", "不能再用个人收款码"),
    ],
)
def test_corrected_answer_wording(topic: str, says: str, never_says: str) -> None:
    text = answer_text(topic)
    assert says in text
    assert never_says not in text
