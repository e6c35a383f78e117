"""The assistant's voice over every text a user sees (issue 13, Voice).

Texts: every response in domain.yml (text and button titles), the FAQ answers
(data/faq/responses.yml), the reviewed facts said word for word (bot/credit/credit.yml),
the settlement certificate's wording, the catalog names users see and the widget's
own strings. Rules:

- 您, never 你 (what a user might type, quoted “…”, may say 你);
- 关闭 for a credit line; 注销 only for the platform account (注销账号, 注销支付宝);
- the user's own 暂停 and the platform's 冻结 are never mixed up;
- no brackets inside brackets;
- full-width punctuation in Chinese text (，。？！：；（）);
- one space between Chinese and a number or an amount (「合计 {amount}。」「满 5 年」),
  and dates written as cn_date writes them (「2022年3月1日」).

Texts with the data filled in (merchant and card notes, amounts) are checked by
tests/actions/test_voice_of_journeys.py, which also counts the messages before each
confirmation question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

HAN = "\u4e00-\u9fff"
_QUOTED = re.compile(r"“[^”]*”")
_PLACEHOLDER = re.compile(r"{(\w+)}")
_URL = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/[\w./-]*)?|\{\w*url\}")

# Placeholders that hold a number or an amount (everything else is a name, a date or a sentence).
NUMBERS = frozenset(
    {
        "amount", "limit", "used", "old", "new", "credit_limit", "days", "count", "terms", "min_days",
        "max_days", "code_length", "code_minutes", "cooldown_days", "days_left", "review_days",
        "handling_days", "attempts_left", "position", "wait_minutes", "max_chars", "request_id",
        "phone_tail", "hours",
    }
)  # fmt: skip
# The platform account, the one thing the bot itself calls 注销.
_PLATFORM_ACCOUNT = re.compile(r"注销(?:整个|这个)?(?:平台|支付宝)?(?:账号|账户|帐号|支付宝)")
_DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日")
_OPEN, _CLOSE = "（(「【", "）)」】"
_AMOUNT = re.compile(r"-?¥?\d[\d,]*(?:\.\d+)?")  # ¥1,234.50 as bot.core.formatting.yuan writes it


def _load(path: str) -> dict:
    with (ROOT / path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _domain_texts(path: str) -> Iterator[tuple[str, str]]:
    for name, variants in _load(path)["responses"].items():
        for variant in variants:
            if variant.get("text"):
                yield f"{path}:{name}", str(variant["text"])
            for button in variant.get("buttons") or []:
                yield f"{path}:{name}:button", str(button["title"])


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _widget_texts() -> Iterator[tuple[str, str]]:
    source = (ROOT / "widget" / "widget.js").read_text(encoding="utf-8")
    block = re.search(r"var TEXT = \{(.*?)\n  \};", source, re.DOTALL)
    assert block, "widget/widget.js: the TEXT block of user strings is gone"
    for key, line in re.findall(r"^\s*(\w+): (.*)$", block.group(1), re.MULTILINE):
        # a function's pieces are joined with its argument standing for a number: "前面还有 " + n + " 位"
        pieces = re.findall(r'"([^"]*)"|\+ (\w+) \+', line)
        text = "".join(literal if literal else "{count}" for literal, _ in pieces)
        yield f"widget/widget.js:{key}", text


def _console_labels() -> Iterator[tuple[str, str]]:
    """The agent console's labels: agents read them to customers, so they speak the same way."""
    source = (ROOT / "console" / "console.js").read_text(encoding="utf-8")
    block = re.search(r"const LABELS = \{(.*?)\n\};", source, re.DOTALL)
    assert block, "console/console.js: the LABELS block is gone"
    for key, label in re.findall(r'(\w+): "([^"]*)"', block.group(1)):
        yield f"console/console.js:{key}", label


@lru_cache(maxsize=1)
def user_texts() -> tuple[tuple[str, str], ...]:
    """(where, text) for every text a user sees; {placeholders} left in."""
    texts: list[tuple[str, str]] = [*_domain_texts("domain.yml"), *_domain_texts("data/faq/responses.yml")]
    texts += [(f"credit.yml:{f['id']}", f["text"]) for f in _load("bot/credit/credit.yml")["facts"]]
    certificate = _load("bot/certificates/templates/settlement_certificate.yml")
    certificate.pop("filename")  # a file name, not prose
    texts += [("settlement_certificate.yml", s) for s in _strings(certificate)]
    catalog = _load("data/catalog/products.yml")
    texts += [(f"products.yml:{p['id']}", f"{p['display_name']}（{p['description']}）") for p in catalog["products"]]
    texts += [(f"products.yml:{s['id']}", s["display_name"]) for s in catalog["separate_lines"]]
    texts += [(f"services.yml:{s['id']}", s["display_name"]) for s in _load("data/catalog/services.yml")["services"]]
    return (*texts, *_widget_texts(), *_console_labels())


# ── the rules, one function per rule: the problems found in one text ──


def unquoted(text: str) -> str:
    """The bot's own words: what a user might type, quoted “…”, taken out."""
    return _QUOTED.sub("“”", text)


def informal_you(text: str) -> list[str]:
    return ["你 instead of 您"] if "你" in unquoted(text) else []


def closing_called_zhuxiao(text: str) -> list[str]:
    own = _PLATFORM_ACCOUNT.sub("", unquoted(text))
    return ["注销 for a credit line (关闭)"] if "注销" in own else []


def pause_and_freeze_mixed(text: str) -> list[str]:
    if re.search(r"被(?:平台)?暂停|平台(?:已经|已|会|可能)?暂停", text):
        return ["the platform's freeze called 暂停 (冻结)"]
    return []


def nested_brackets(text: str) -> list[str]:
    depth = 0
    for char in text:
        if char in _OPEN:
            depth += 1
            if depth > 1:
                return ["brackets inside brackets"]
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
    return []


def half_width_punctuation(text: str) -> list[str]:
    prose = _AMOUNT.sub("", _URL.sub("", _PLACEHOLDER.sub("", text)))
    if re.search(r"[,?!;()]", prose) or re.search(rf"[{HAN}，。？！：；（）“”][.:]|[.:][{HAN}]", prose):
        return ["half-width punctuation in Chinese text"]
    return []


def number_spacing(text: str) -> list[str]:
    """A number or amount has one space to a Chinese character on either side, none to punctuation."""
    problems = []
    if re.search(r"\d\s+[年月日]\s*\d|\d{4}\s+年", text):
        problems.append("a date written with spaces (2022年3月1日)")
    numbers = [m.span() for m in _PLACEHOLDER.finditer(text) if m.group(1) in NUMBERS]
    dates = [m.span() for m in _DATE.finditer(text)]
    numbers += [
        m.span() for m in re.finditer(r"\d+(?:[.,:]\d+)*", text) if not any(a <= m.start() < b for a, b in dates)
    ]
    for start, end in numbers:
        before, after = text[max(start - 1, 0) : start], text[end : end + 1]
        if re.fullmatch(f"[{HAN}]", before) or re.fullmatch(f"[{HAN}]", after):
            problems.append(f"no space between Chinese and {text[start:end]}")
        after_two, before_two = text[end : end + 2], text[max(start - 2, 0) : start]
        if re.search(r"[ ][，。？！：；、）」]", after_two) or re.search(r"[，。？！：；、（「][ ]", before_two):
            problems.append(f"a space between {text[start:end]} and punctuation")
    return problems


RULES = (informal_you, closing_called_zhuxiao, pause_and_freeze_mixed, nested_brackets, half_width_punctuation,
         number_spacing)  # fmt: skip


# Text with the data filled in: dates are cn_date's (「到12月5日」) and names come from the data,
# so spacing is checked on the templates only.
RENDERED_RULES = tuple(rule for rule in RULES if rule is not number_spacing)


def problems(text: str, rules: tuple = RULES) -> list[str]:
    return [problem for rule in rules for problem in rule(text)]


def test_there_are_texts_from_every_source() -> None:
    sources = {where.split(":")[0] for where, _ in user_texts()}
    assert sources == {
        "domain.yml",
        "data/faq/responses.yml",
        "credit.yml",
        "settlement_certificate.yml",
        "products.yml",
        "services.yml",
        "widget/widget.js",
        "console/console.js",
    }
    assert len(user_texts()) > 400


def test_every_user_visible_text_has_the_service_desk_voice() -> None:
    found = [f"{where}: {problem}: {text}" for where, text in user_texts() for problem in problems(text)]
    assert found == [], f"{len(found)} problems:\n" + "\n".join(found)


def test_the_pause_and_freeze_names_follow_who_did_it() -> None:
    """Responses about the platform's freeze say 冻结; those about the customer's own pause never do."""
    wrong = []
    for where, text in _domain_texts("domain.yml"):
        name = where.split(":")[1]
        if "frozen" in name and "暂停" in text:
            wrong.append(f"{name}: the platform's freeze called 暂停: {text}")
        if re.search(r"pause|resume", name) and "冻结" in text:
            wrong.append(f"{name}: the customer's own pause called 冻结: {text}")
    assert wrong == []


# ── the rules themselves ──


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你的花呗已经关闭。", ["你 instead of 您"]),
        ("可以说“你是真人吗”。", []),
        ("借呗已经注销。", ["注销 for a credit line (关闭)"]),
        ("比如“借呗能注销吗”，注销账号要先关闭额度；注销支付宝账户也一样。", []),
        ("目前被平台暂停使用。", ["the platform's freeze called 暂停 (冻结)"]),
        ("「花呗（滴滴（出行））」", ["brackets inside brackets"]),
        ("花呗绑定银行卡（招商银行储蓄卡，尾号 6789）", []),
        ("好的,已关闭.", ["half-width punctuation in Chinese text"]),
        ("打开 ipcrs.pbccrc.org.cn 查询。", []),
        ("{amount}不比现在的额度 {limit} 低。", ["no space between Chinese and {amount}"]),
        ("合计 {amount} 。", ["a space between {amount} and punctuation"]),
        ("满5年应当删除。", ["no space between Chinese and 5"]),
        ("2019 年 11 月起", ["a date written with spaces (2022年3月1日)"]),
        ("2022年3月1日起，满 5 年", []),
    ],
)
def test_each_rule_catches_what_it_should(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_no_text_promises_a_kept_limit_or_where_charges_go_next() -> None:
    """Issue 13: the platform may still adjust a limit (「额度一般保留」), and where a subscription is
    charged after a closure depends on the payment order (「一般会改从余额或银行卡扣款」)."""
    flat = [(where, text) for where, text in user_texts() if re.search(r"额度(?:会|都)?保留|(?<!一般)会改从", text)]
    assert flat == []
