"""The reviewed knowledge file: every fact sourced and statable, every reference resolvable."""

import re
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.credit import impact as credit_impact
from bot.credit.knowledge import STATABLE, load_knowledge

KNOWLEDGE = load_knowledge()


def test_every_fact_has_a_source_and_a_statable_confidence() -> None:
    for fact in KNOWLEDGE.facts.values():
        assert fact.source.strip(), fact.id
        assert fact.confidence in STATABLE, fact.id
        assert fact.text.strip(), fact.id


def referenced_fact_ids() -> set[str]:
    ids: set[str] = set()
    for table in (credit_impact.TOPIC_FACTS, credit_impact.CLOSING_ROUTES, credit_impact.INTENT_FACTS):
        for fact_ids in table.values():
            ids |= set(fact_ids)
    for path in (REPO_ROOT / "bot").rglob("*.py"):
        ids |= set(re.findall(r'FactUse\("([a-z_]+)"', path.read_text(encoding="utf-8")))
    return ids


def test_every_cited_fact_exists() -> None:
    assert referenced_fact_ids() - set(KNOWLEDGE.facts) == set()


def test_a_fact_without_source_or_with_unverified_confidence_is_refused(tmp_path: Path) -> None:
    for bad in (
        'source: ""\n    confidence: 高',
        'source: "x"\n    confidence: 未核实',
        'source: "x"\n    confidence: 低',
    ):
        path = tmp_path / f"k{hash(bad)}.yml"
        path.write_text(f'facts:\n  - id: x\n    text: "t"\n    {bad}\ntopics: []\n', encoding="utf-8")
        with pytest.raises(ValueError):
            load_knowledge(path)


def test_no_claim_the_brief_tells_us_to_avoid() -> None:
    text = "\n".join(f.text for f in KNOWLEDGE.facts.values())
    for banned in (
        "征信修复服务可以",
        "反洗钱只需保存 5 年",
        "%的金融机构",
        "白名单",
        "7-30 天",
        "7–30 天",
        "标记为已关闭",
    ):
        assert banned not in text
    assert "10 年" in KNOWLEDGE.fact("aml_retention").text
