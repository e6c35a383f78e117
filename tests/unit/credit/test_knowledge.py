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
        # A fact resting only on "still to be checked" pages is not stated.
        assert "待查" not in fact.source, fact.id


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


def fact_text(fact_id: str) -> str:
    return KNOWLEDGE.fact(fact_id).text


def test_the_other_product_is_generally_unaffected_not_promised_usable() -> None:
    assert "一般不受影响" in fact_text("products_independent")
    assert "照常可以用" not in fact_text("products_independent")


def test_free_reports_are_at_least_twice_a_year_through_official_channels() -> None:
    text = fact_text("free_reports")
    assert "至少可以免费查询 2 次" in text and "ipcrs.pbccrc.org.cn" in text and "人民银行当地分支机构" in text
    assert "每年可以免费查 2 次" not in text


def test_aml_retention_runs_from_the_end_of_the_relationship_and_of_each_transaction() -> None:
    text = fact_text("aml_retention")
    assert "客户身份资料在业务关系结束后" in text and "每笔交易记录在交易结束后" in text and "至少保存 10 年" in text


def test_closing_a_line_is_not_what_triggers_deletion() -> None:
    text = fact_text("deletion_after_closing")
    assert not text.startswith("注销后，平台要删除")
    assert "停止这条额度" in text and "注销整个平台账户" in text and "匿名化" in text


def test_automated_decisions_can_be_refused_as_well_as_explained() -> None:
    text = fact_text("right_to_explanation")
    assert "有权要求说明" in text and "有权拒绝仅由自动化方式作出的决定" in text


def test_zhima_and_the_credit_report_are_told_apart() -> None:
    assert "不是人民银行征信中心的个人信用报告" in fact_text("zhima_not_credit_report")


def test_what_the_report_shows() -> None:
    text = fact_text("report_shows_lender")
    assert "放款机构的名称" in text and "不会写“花呗”“借呗”" in text and "每笔借款" in text and "按月更新" in text


def test_the_five_year_rule_applies_to_what_was_reported() -> None:
    assert "如果已经报送到征信" in fact_text("negative_five_years")
    late = fact_text("late_repay_now")
    assert "尽快还清" in late and "按月报送" in late and "信用报告" in late


def test_the_other_product_rests_on_the_brief_not_only_on_our_own_rule() -> None:
    # credit-facts.md 1.3 marks independence 【低-中】: stated with 一般, at 中, never as a 高 product rule
    fact = KNOWLEDGE.fact("products_independent")
    assert "领域简报 1.1、1.2" in fact.source and "1.3" in fact.source
    assert fact.confidence == "中"


def test_the_collection_guideline_carries_no_unverified_date() -> None:
    """Two reports dated the 催收工作指引 differently (2025-01, 2026-01-30) and credit-facts.md has
    neither: the source names the guideline and its chapter, not a date nobody checked."""
    source = KNOWLEDGE.fact("collection_rules").source
    assert "催收工作指引（试行）》第三章" in source
    assert "2025-01" not in source and "2026-01-30" not in source


# Wording the reviews corrected (issue 13): what each fact says now, and the overstatement it must
# not say again.
CORRECTED = [
    # PIPL 第47条: a processor that stops providing the service must also delete (or only store)
    ("deletion_after_closing", ["注销整个平台账户，平台要删除您的个人信息"], ["才要删除"]),
    # reporting is monthly and comes after notice (条例第15条): an overdue repaid at once may never be reported
    ("overdue_reported", ["逾期一般会报送到信用报告上"], ["逾期会报送"]),
    # a credit line never was a way to repay; where a charge goes next depends on the payment order
    ("services_stop_on_closing", ["不能再用来付款或借款", "一般会改从余额或银行卡扣款"], ["或还款"]),
    # the line, its limit and its repayments are still reported each month while it is paused
    ("pause_not_negative", ["按时还就不会产生逾期"], ["不会影响征信"]),
    # credit-facts.md 3.2 marks the layout of the report 【低】
    ("report_shows_lender", ["一般每个授信额度和每笔借款分别列出"], ["；每个授信额度"]),
    # 银发〔2021〕259号 binds the collecting institution; the existing personal codes were not switched off
    ("business_collection_code", ["应当使用经营收款码", "原有的个人收款码没有停用"], ["不能再用个人收款码"]),
    # issue 13.9: what helps an overdue customer is knowing the cost grows every day
    ("overdue_help", ["通常按天计算", "以合同为准"], []),
]


@pytest.mark.parametrize(("fact", "says", "never_says"), CORRECTED, ids=[c[0] for c in CORRECTED])
def test_corrected_wording(fact: str, says: list[str], never_says: list[str]) -> None:
    text = fact_text(fact)
    assert [s for s in says if s not in text] == []
    assert [s for s in never_says if s in text] == []
