"""RuleEntityExtractor trained from the real catalog, run as the Rasa graph runs it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.rule_entities import SPACY_DIR, RuleEntityExtractor
from components.text_normaliser import TextNormaliser

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = ROOT / "data" / "catalog"
NAME = "RuleEntityExtractor"


@pytest.fixture(scope="module")
def storage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model_storage")


@pytest.fixture(scope="module")
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture(scope="module")
def resource() -> Resource:
    return Resource("train_components.rule_entities.RuleEntityExtractor7")


@pytest.fixture(scope="module")
def trained(storage_dir: Path, context: ExecutionContext, resource: Resource) -> RuleEntityExtractor:
    """Trained like the recipe's train node: `create`, then `train`."""
    config = {"catalog_dir": str(CATALOG_DIR)}
    extractor = RuleEntityExtractor.create(
        {**RuleEntityExtractor.get_default_config(), **config},
        LocalModelStorage(storage_dir),
        resource,
        context,
    )
    assert extractor.train(TrainingData()) == resource
    return extractor


@pytest.fixture(scope="module")
def loaded(
    trained: RuleEntityExtractor, storage_dir: Path, context: ExecutionContext, resource: Resource
) -> RuleEntityExtractor:
    """Loaded like the predict node: `load` from the trained resource, catalog not needed."""
    config = {"catalog_dir": "/nonexistent"}
    return RuleEntityExtractor.load(config, LocalModelStorage(storage_dir), resource, context)


@pytest.fixture(scope="module")
def normaliser(storage_dir: Path, context: ExecutionContext) -> TextNormaliser:
    return TextNormaliser.load({}, LocalModelStorage(storage_dir), Resource("norm"), context)


def run(
    extractor: RuleEntityExtractor,
    text: str,
    entities: list[dict[str, Any]] | None = None,
    normaliser: TextNormaliser | None = None,
) -> list[dict[str, Any]]:
    message = Message({TEXT: text, ENTITIES: entities or []})
    if normaliser is not None:
        normaliser.process([message])
    extractor.process([message])
    return message.get(ENTITIES)


def summary(entities: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    return [(e["entity"], e["value"], e["extractor"]) for e in entities]


def diet(entity: str, start: int, end: int, value: str) -> dict[str, Any]:
    return {
        "entity": entity,
        "start": start,
        "end": end,
        "value": value,
        "confidence_entity": 0.8,
        "extractor": "DIETClassifier",
    }


def test_typo_product_added(trained: RuleEntityExtractor) -> None:
    entities = run(trained, "花被怎么注销")
    assert summary(entities) == [("product", "huabei", NAME)]
    assert entities[0]["start"] == 0 and entities[0]["end"] == 2
    assert entities[0]["confidence_entity"] == 1.0


def test_traditional_text_through_normaliser(trained: RuleEntityExtractor, normaliser: TextNormaliser) -> None:
    entities = run(trained, "借唄能註銷嗎", normaliser=normaliser)
    assert summary(entities) == [("product", "jiebei", NAME)]
    assert entities[0]["text"] == "借呗"


def test_traditional_text_without_normaliser_still_matches(trained: RuleEntityExtractor) -> None:
    assert summary(run(trained, "借唄能註銷嗎")) == [("product", "jiebei", NAME)]


def test_pause_length_in_days(trained: RuleEntityExtractor) -> None:
    entities = run(trained, "先暂停三个月")
    assert summary(entities) == [("duration", 90, NAME)]
    assert entities[0]["text"] == "三个月"


def test_external_product_never_becomes_product(trained: RuleEntityExtractor) -> None:
    assert summary(run(trained, "微粒贷能关吗")) == [("external_product", "微粒贷", NAME)]
    diet_said_product = run(trained, "微粒贷能关吗", [diet("product", 0, 3, "微粒贷")])
    assert summary(diet_said_product) == [("external_product", "微粒贷", NAME)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要关闭信用购", [("separate_line", "xinyonggou", NAME)]),
        ("关闭花呗信用购", [("separate_line", "xinyonggou", NAME)]),
        ("借呗信用贷怎么关", [("separate_line", "xinyongdai", NAME)]),
        ("先用后付能关吗", [("separate_line", "xianyonghoufu", NAME)]),
        ("花呗和信用购都关", [("product", "huabei", NAME), ("separate_line", "xinyonggou", NAME)]),
        ("取消花呗的信用贷款额度", [("product", "huabei", NAME)]),
        ("我要注销支付宝账号", [("platform_account", "platform_account", NAME)]),
        ("注销这个号", [("platform_account", "platform_account", NAME)]),
    ],
)
def test_separate_lines_and_platform_account(
    trained: RuleEntityExtractor, text: str, expected: list[tuple[str, Any, str]]
) -> None:
    """Issue 13.1: 信用购 is never 花呗; the platform account is named as such."""
    assert summary(run(trained, text)) == expected


def test_service(trained: RuleEntityExtractor) -> None:
    assert summary(run(trained, "关闭自动还款")) == [("service", "auto_repay", NAME)]


def test_the_card_bound_to_a_line_is_the_bank_card(trained: RuleEntityExtractor) -> None:
    # 「借呗绑的那张卡解绑」 once got 「你没有绑定卡」: 卡 never reached `bank_card`.
    assert summary(run(trained, "借呗绑的那张卡解绑")) == [("product", "jiebei", NAME), ("service", "bank_card", NAME)]
    assert summary(run(trained, "信用卡能关吗")) == [("external_product", "信用卡", NAME)]


def test_diet_entities_canonicalised_in_place(trained: RuleEntityExtractor) -> None:
    entities = run(
        trained,
        "帮我把花贝的代扣关了",
        [diet("product", 3, 5, "花贝"), diet("service", 6, 8, "代扣")],
    )
    assert summary(entities) == [
        ("product", "huabei", "DIETClassifier"),
        ("service", "withholding", "DIETClassifier"),
    ]
    assert all(e["processors"] == [NAME] for e in entities)


def test_unknown_diet_value_left_unchanged(trained: RuleEntityExtractor) -> None:
    entities = run(trained, "那个花花额度能关吗", [diet("product", 2, 4, "花花")])
    assert summary(entities) == [("product", "花花", "DIETClassifier")]


def test_product_inside_service_alias_and_several_entities(trained: RuleEntityExtractor) -> None:
    entities = run(trained, "收钱码收花呗先停两周，京东白条也是")
    assert summary(entities) == [
        ("service", "collection_code", NAME),
        ("product", "huabei", NAME),
        ("duration", 14, NAME),
        ("external_product", "京东白条", NAME),
    ]


def test_latin_alias_needs_word_boundaries(trained: RuleEntityExtractor) -> None:
    assert run(trained, "github上的事") == []
    assert summary(run(trained, "HB怎么关", normaliser=None)) == [("product", "huabei", NAME)]


def test_intent_shortcut_message_untouched(trained: RuleEntityExtractor) -> None:
    assert run(trained, '/inform{"product":"hb"}') == []


def test_persisted_model_is_self_contained(
    trained: RuleEntityExtractor, loaded: RuleEntityExtractor, storage_dir: Path, resource: Resource
) -> None:
    assert (storage_dir / resource.name / SPACY_DIR / "config.cfg").is_file()
    texts = ["花被怎么注销", "先暂停三个月", "微粒贷能关吗", "关闭自动还款", "停一年半 借b也停"]
    for text in texts:
        assert run(loaded, text) == run(trained, text), text


def test_load_from_a_copied_model_directory(
    trained: RuleEntityExtractor,
    storage_dir: Path,
    tmp_path: Path,
    context: ExecutionContext,
    resource: Resource,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(storage_dir, copy)
    extractor = RuleEntityExtractor.load({}, LocalModelStorage(copy), resource, context)
    assert summary(run(extractor, "借贝能关吗")) == [("product", "jiebei", NAME)]


def test_untrained_resource_leaves_entities_alone(tmp_path: Path, context: ExecutionContext) -> None:
    extractor = RuleEntityExtractor.load({}, LocalModelStorage(tmp_path), Resource("x"), context)
    entities = [diet("product", 0, 2, "花被")]
    assert run(extractor, "花被", entities) == entities


def test_fingerprint_addon_follows_the_catalog(tmp_path: Path) -> None:
    for name in ("products.yml", "services.yml"):
        shutil.copy(CATALOG_DIR / name, tmp_path / name)
    before = RuleEntityExtractor.fingerprint_addon({"catalog_dir": str(tmp_path)})
    with (tmp_path / "services.yml").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    after = RuleEntityExtractor.fingerprint_addon({"catalog_dir": str(tmp_path)})
    assert before is not None and after is not None and before != after
    assert RuleEntityExtractor.fingerprint_addon({"catalog_dir": str(tmp_path / "no")}) is None


@pytest.mark.parametrize("text", ["1" * 400 + "天", "一" * 100_000 + "天", "一" * 100_000 + "个月"])
def test_an_overlong_numeral_run_yields_no_duration(trained: RuleEntityExtractor, text: str) -> None:
    # 「1」×400+「天」 raised OverflowError in the Rasa server; 「一」×n+「天」 took seconds (quadratic matcher)
    assert [e for e in run(trained, text) if e["entity"] == "duration"] == []


def test_a_length_after_a_numeral_run_is_still_found(trained: RuleEntityExtractor) -> None:
    durations = [e for e in run(trained, "一" * 5_000 + "，先停三个月") if e["entity"] == "duration"]
    assert [(e["value"], e["text"]) for e in durations] == [(90, "三个月")]


@pytest.mark.parametrize(
    "text", ["你们催收电话一天打十几个 烦死了", "一周催三次", "一天十几个电话", "一个月发好几条短信"]
)
def test_how_often_is_no_pause_length(trained: RuleEntityExtractor, text: str) -> None:
    # Once: a complaint about collection calls inside the pause question was read as 「停 1 天」.
    assert [e for e in run(trained, text) if e["entity"] == "duration"] == []


@pytest.mark.parametrize(("text", "days"), [("停一个月", 30), ("一天也行", 1), ("先停一周吧", 7)])
def test_lengths_near_such_words_still_read(trained: RuleEntityExtractor, text: str, days: int) -> None:
    assert [e["value"] for e in run(trained, text) if e["entity"] == "duration"] == [days]
