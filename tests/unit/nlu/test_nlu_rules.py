"""Catalog alias tables and entity merging on plain dicts (no Rasa, no spaCy)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.nlu.rules import (
    DURATION,
    EXTERNAL_PRODUCT,
    NOT_DURATION,
    NOT_NAME,
    PLATFORM_ACCOUNT,
    PRODUCT,
    SEPARATE_LINE,
    SERVICE,
    AliasCatalog,
    CatalogEntry,
    MergeContext,
    RuleMatch,
    alias_forms,
    alias_index,
    catalog_fingerprint,
    dedupe_entities,
    load_alias_catalog,
    merge_entities,
    ruler_patterns,
    select_matches,
)

ROOT = Path(__file__).resolve().parents[3]
ME = "RuleEntityExtractor"
TODAY = date(2025, 11, 22)


@pytest.fixture(scope="module")
def catalog() -> AliasCatalog:
    return load_alias_catalog(ROOT / "data" / "catalog")


@pytest.fixture(scope="module")
def index(catalog: AliasCatalog) -> dict[str, tuple[str, str]]:
    return alias_index(catalog)


def ctx(text: str, index: dict[str, tuple[str, str]]) -> MergeContext:
    return MergeContext.build(text, index, ME, today=TODAY)


def diet(entity: str, start: int, end: int, value: str) -> dict[str, object]:
    return {
        "entity": entity,
        "start": start,
        "end": end,
        "value": value,
        "confidence_entity": 0.9,
        "extractor": "DIETClassifier",
    }


def test_catalog_loads_products_services_and_external(catalog: AliasCatalog) -> None:
    assert catalog.ids(PRODUCT) == {"huabei", "jiebei"}
    assert "auto_repay" in catalog.ids(SERVICE) and "family_repay" in catalog.ids(SERVICE)
    assert "微粒贷" in catalog.external_products


def test_alias_index_is_keyed_by_normalised_alias(index: dict[str, tuple[str, str]]) -> None:
    assert index["花呗"] == (PRODUCT, "huabei")
    assert "花唄" not in index  # traditional form folds onto 花呗
    assert index["hb"] == (PRODUCT, "huabei")
    assert index["自动还款"] == (SERVICE, "auto_repay")
    assert index["微粒贷"] == (EXTERNAL_PRODUCT, "微粒贷")


def test_alias_index_rejects_an_alias_with_two_meanings() -> None:
    clash = AliasCatalog(
        entries=(
            CatalogEntry(PRODUCT, "a", ("同名",)),
            CatalogEntry(PRODUCT, "b", ("同名",)),
        ),
        external_products=(),
    )
    with pytest.raises(ValueError, match="同名"):
        alias_index(clash)


def test_alias_forms_keep_written_and_normalised_spellings() -> None:
    assert alias_forms(["花唄", "花呗", "HB"]) == ["花唄", "花呗", "HB", "hb"]


def test_ruler_patterns_cover_aliases_and_durations(catalog: AliasCatalog) -> None:
    patterns = ruler_patterns(catalog)
    labels = {p["label"] for p in patterns}
    assert labels == {
        PRODUCT,
        SERVICE,
        EXTERNAL_PRODUCT,
        DURATION,
        NOT_DURATION,
        SEPARATE_LINE,
        PLATFORM_ACCOUNT,
        NOT_NAME,
    }
    assert {"label": PRODUCT, "pattern": "花被", "id": "huabei"} in patterns


@pytest.mark.parametrize(
    ("alias", "line"),
    [("信用购", "xinyonggou"), ("花呗信用购", "xinyonggou"), ("信用贷", "xinyongdai"), ("先用后付", "xianyonghoufu")],
)
def test_separate_lines_have_their_own_names(index: dict[str, tuple[str, str]], alias: str, line: str) -> None:
    """Issue 13.1: 信用购/信用贷/先用后付 are lines of their own, never an alias of 花呗 or 借呗."""
    assert index[alias] == (SEPARATE_LINE, line)


def test_platform_account_names(index: dict[str, tuple[str, str]]) -> None:
    for alias in ("支付宝账号", "这个号", "账号"):
        assert index[alias] == (PLATFORM_ACCOUNT, PLATFORM_ACCOUNT)


def test_separate_line_outcompetes_the_product_inside_it() -> None:
    text = "关闭花呗信用购"
    matches = [RuleMatch(PRODUCT, "huabei", 2, 4), RuleMatch(SEPARATE_LINE, "xinyonggou", 2, 7)]
    assert select_matches(matches, text) == [matches[1]]


def test_credit_loan_word_is_no_separate_line() -> None:
    text = "取消花呗的信用贷款额度"
    matches = [
        RuleMatch(PRODUCT, "huabei", 2, 4),
        RuleMatch(SEPARATE_LINE, "xinyongdai", 5, 8),
        RuleMatch(NOT_NAME, "", 5, 9),
    ]
    assert select_matches(matches, text) == [matches[0]]


def test_separate_line_replaces_diet_product(index: dict[str, tuple[str, str]]) -> None:
    text = "我要关闭信用购"
    merged = merge_entities(
        [diet(PRODUCT, 4, 7, "信用购")], [RuleMatch(SEPARATE_LINE, "xinyonggou", 4, 7)], ctx(text, index)
    )
    assert [(e["entity"], e["value"]) for e in merged] == [(SEPARATE_LINE, "xinyonggou")]


def test_catalog_fingerprint_changes_with_content(tmp_path: Path) -> None:
    for name in ("products.yml", "services.yml"):
        (tmp_path / name).write_text("products: []\n")
    before = catalog_fingerprint(tmp_path)
    (tmp_path / "services.yml").write_text("services: []\n")
    assert catalog_fingerprint(tmp_path) != before


def test_select_matches_prefers_longest_within_family() -> None:
    text = "京东白条和花呗额度"
    matches = [
        RuleMatch(EXTERNAL_PRODUCT, "京东白条", 0, 4),
        RuleMatch(EXTERNAL_PRODUCT, "白条", 2, 4),
        RuleMatch(PRODUCT, "huabei", 5, 7),
        RuleMatch(PRODUCT, "huabei", 5, 9),
    ]
    assert select_matches(matches, text) == [matches[0], matches[3]]


def test_select_matches_keeps_product_inside_service_but_not_external() -> None:
    text = "收钱码收花呗和信用卡收款"
    matches = [
        RuleMatch(SERVICE, "collection_code", 0, 6),
        RuleMatch(PRODUCT, "huabei", 4, 6),
        RuleMatch(SERVICE, "collection_code", 7, 12),
        RuleMatch(EXTERNAL_PRODUCT, "信用卡", 7, 10),
    ]
    assert select_matches(matches, text) == matches[:3]


def test_select_matches_requires_latin_word_boundaries() -> None:
    text = "ahbc和hb"
    matches = [RuleMatch(PRODUCT, "huabei", 1, 3), RuleMatch(PRODUCT, "huabei", 5, 7)]
    assert select_matches(matches, text) == [matches[1]]


def test_select_matches_drops_not_duration_and_what_it_covers() -> None:
    text = "1月5日"
    matches = [RuleMatch(NOT_DURATION, "", 0, 4), RuleMatch(DURATION, "", 2, 4)]
    assert select_matches(matches, text) == []


def test_rule_match_added_when_diet_found_nothing(index: dict[str, tuple[str, str]]) -> None:
    text = "花被怎么注销"
    merged = merge_entities([], [RuleMatch(PRODUCT, "huabei", 0, 2)], ctx(text, index))
    assert merged == [
        {
            "entity": PRODUCT,
            "start": 0,
            "end": 2,
            "value": "huabei",
            "text": "花被",
            "confidence_entity": 1.0,
            "extractor": ME,
        }
    ]


def test_overlapping_diet_entity_gets_canonical_value(index: dict[str, tuple[str, str]]) -> None:
    text = "花被怎么注销"
    entities = [diet(PRODUCT, 0, 3, "花被怎")]
    merged = merge_entities(entities, [RuleMatch(PRODUCT, "huabei", 0, 2)], ctx(text, index))
    assert len(merged) == 1
    assert merged[0]["value"] == "huabei"
    assert merged[0]["extractor"] == "DIETClassifier"
    assert merged[0]["processors"] == [ME]
    assert merged[0]["text"] == "花被怎"
    assert entities[0]["value"] == "花被怎"  # inputs are not mutated


def test_unmatched_diet_value_canonicalised_by_alias(index: dict[str, tuple[str, str]]) -> None:
    text = "关掉那个借钱功能"
    entities = [diet(PRODUCT, 4, 8, "借钱功能"), diet(SERVICE, 0, 2, "关掉")]
    merged = merge_entities(entities, [], ctx(text, index))
    assert merged[0]["value"] == "关掉"  # unknown: unchanged
    assert merged[1]["value"] == "jiebei"


def test_alias_of_other_type_is_not_used(index: dict[str, tuple[str, str]]) -> None:
    merged = merge_entities([diet(SERVICE, 0, 2, "花呗")], [], ctx("花呗", index))
    assert merged[0]["value"] == "花呗"


def test_canonical_value_left_alone(index: dict[str, tuple[str, str]]) -> None:
    entity = diet(PRODUCT, 0, 2, "jiebei")
    merged = merge_entities([entity], [], ctx("借呗", index))
    assert merged == [entity]


def test_external_product_replaces_diet_product(index: dict[str, tuple[str, str]]) -> None:
    text = "微粒贷能关吗"
    entities = [diet(PRODUCT, 0, 3, "微粒贷"), diet("other", 4, 5, "关")]
    matches = [RuleMatch(EXTERNAL_PRODUCT, "微粒贷", 0, 3)]
    merged = merge_entities(entities, matches, ctx(text, index))
    assert [(e["entity"], e["value"]) for e in merged] == [
        (EXTERNAL_PRODUCT, "微粒贷"),
        ("other", "关"),
    ]


def test_duration_rule_match_gets_days(index: dict[str, tuple[str, str]]) -> None:
    text = "先暂停三个月"
    merged = merge_entities([], [RuleMatch(DURATION, "", 3, 6)], ctx(text, index))
    assert merged[0]["value"] == 90 and merged[0]["text"] == "三个月"


def test_diet_duration_prefers_the_rule_span(index: dict[str, tuple[str, str]]) -> None:
    text = "停一年半"
    entities = [diet(DURATION, 1, 3, "一年")]
    merged = merge_entities(entities, [RuleMatch(DURATION, "", 1, 4)], ctx(text, index))
    assert [(e["value"], e["text"], e["start"], e["end"], e["extractor"]) for e in merged] == [
        (545, "一年半", 1, 4, "DIETClassifier")
    ]


def test_diet_span_widened_to_containing_rule_match_only(
    index: dict[str, tuple[str, str]],
) -> None:
    text = "花呗额度和花被怎么关"
    entities = [diet(PRODUCT, 0, 2, "花呗"), diet(PRODUCT, 5, 8, "花被怎")]
    matches = [RuleMatch(PRODUCT, "huabei", 0, 4), RuleMatch(PRODUCT, "huabei", 5, 7)]
    merged = merge_entities(entities, matches, ctx(text, index))
    assert [(e["start"], e["end"], e["text"]) for e in merged] == [
        (0, 4, "花呗额度"),
        (5, 8, "花被怎"),
    ]


def test_diet_duration_without_rule_match(index: dict[str, tuple[str, str]]) -> None:
    text = "停个半年吧 或者一段时间"
    entities = [diet(DURATION, 2, 4, "半年"), diet(DURATION, 8, 12, "一段时间")]
    merged = merge_entities(entities, [], ctx(text, index))
    assert [e["value"] for e in merged] == [180, "一段时间"]  # unparseable: kept as is


def test_unparseable_rule_duration_is_not_added(index: dict[str, tuple[str, str]]) -> None:
    merged = merge_entities([], [RuleMatch(DURATION, "", 0, 2)], ctx("0天", index))
    assert merged == []


def test_result_sorted_and_deduplicated(index: dict[str, tuple[str, str]]) -> None:
    text = "借呗和花呗"
    entities = [diet(PRODUCT, 3, 5, "huabei"), diet(PRODUCT, 3, 5, "花呗")]
    matches = [RuleMatch(PRODUCT, "jiebei", 0, 2), RuleMatch(PRODUCT, "huabei", 3, 5)]
    merged = merge_entities(entities, matches, ctx(text, index))
    assert [(e["start"], e["value"]) for e in merged] == [(0, "jiebei"), (3, "huabei")]


def test_dedupe_keeps_different_roles_and_mentions() -> None:
    a = diet(PRODUCT, 0, 2, "huabei")
    same_span = diet(PRODUCT, 0, 2, "jiebei")
    other_role = {**a, "role": "from"}
    later_mention = diet(PRODUCT, 5, 7, "huabei")
    overlapping_same_value = diet(PRODUCT, 1, 3, "huabei")
    kept = dedupe_entities([a, same_span, other_role, later_mention, overlapping_same_value])
    assert kept == [a, other_role, later_mention]


def test_dedupe_of_sorted_entities_still_sees_a_long_earlier_span() -> None:
    long_span = diet(PRODUCT, 0, 30, "huabei")
    short = diet(PRODUCT, 1, 2, "jiebei")
    inside_long = diet(PRODUCT, 25, 27, "huabei")  # overlaps the long span, same value: a duplicate
    after = diet(PRODUCT, 30, 32, "huabei")
    assert dedupe_entities([long_span, short, inside_long, after]) == [long_span, short, after]


def test_merging_many_mentions_keeps_each(index: dict[str, tuple[str, str]]) -> None:
    text = "花呗借呗" * 2_000
    matches = [RuleMatch(PRODUCT, "huabei" if i % 4 == 0 else "jiebei", i, i + 2) for i in range(0, len(text), 2)]
    merged = merge_entities([], select_matches(matches, text), ctx(text, index))
    assert len(merged) == 4_000
