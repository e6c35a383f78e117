"""Topic detection on a labelled table of credit questions, most of them real user messages as typed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.credit.impact import TOPIC_FACTS
from bot.credit.topics import MAX_TOPICS, PRIORITY, detect_topics

TABLE = Path(__file__).with_name("credit_topics.tsv")
REQUIRED_ACCURACY = 0.95


def labelled() -> list[tuple[str, frozenset[str], str]]:
    rows = []
    with TABLE.open(encoding="utf-8") as fh:
        for row in csv.reader((line for line in fh if line.strip() and not line.startswith("#")), delimiter="\t"):
            question, topics, origin = row
            rows.append((question, frozenset(topics.split(",")), origin))
    return rows


def test_the_table_is_large_labelled_with_known_topics_and_mostly_real() -> None:
    rows = labelled()
    assert len(rows) >= 150
    assert len({q for q, _, _ in rows}) == len(rows), "a question is listed twice"
    known = set(PRIORITY) | {"general"}
    for question, topics, origin in rows:
        assert topics <= known and 1 <= len(topics) <= MAX_TOPICS, question
        assert origin in ("atec", "nlu", "new"), question
    assert sum(origin == "atec" for _, _, origin in rows) > len(rows) / 2


def test_topic_accuracy_on_the_labelled_table(capsys: pytest.CaptureFixture[str]) -> None:
    rows = labelled()
    wrong = [(q, sorted(t), list(detect_topics(q))) for q, t, _ in rows if set(detect_topics(q)) != t]
    accuracy = 1 - len(wrong) / len(rows)
    with capsys.disabled():
        print(f"\ncredit topic accuracy: {accuracy:.3f} ({len(rows) - len(wrong)}/{len(rows)} questions)")
        for question, expected, got in wrong:
            print(f"  {question}: expected {expected}, got {got}")
    assert accuracy >= REQUIRED_ACCURACY


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("蚂蚁借呗与办信用卡有关系嘛", ("loan_application",)),  # 关 inside 关系 is not closing
        ("信用分跟花呗有关吗", ("use",)),
        ("主动关闭算不算不良记录", ("closing",)),  # a bad-record word with closing: the closing answer
        ("关掉自动还款影响信用吗", ("auto_repay",)),
        ("提前还芝麻借呗会影响信用么", ("early_repayment",)),  # 芝麻借呗 is a product name, not 芝麻分
        ("关了借贝芝麻分会掉吗", ("closing", "zhima")),
        ("關閉借唄影響徵信嗎", ("closing",)),
        ("征信", ("general",)),
        ("", ("general",)),
    ],
)
def test_detect_topics_examples(question: str, topics: tuple[str, ...]) -> None:
    assert detect_topics(question) == topics


def test_every_topic_has_an_answer() -> None:
    assert set(TOPIC_FACTS) == set(PRIORITY) | {"general"}
