"""What a credit question is about: 「关闭花呗算不良记录吗」 → closing; 「晚还一天影响芝麻分吗」 → late, zhima.

A question may be about more than one thing, so every topic whose cues occur is
found; topics that another one found makes redundant are then dropped (「提前还款
算违约吗」 asks about early repayment, not about overdue records; 「我开公司要
贷款，关借呗会好一点吗」 is a loan question, not a closing one), and at most
`MAX_TOPICS` are kept, most specific first. Nothing found: "general".

The cues are read on normalised text (bot.nlu.textnorm: simplified, half-width,
lower case) after words that contain 关 without meaning "close" (有关, 关系 …)
are masked. The labelled table in tests/unit/credit/credit_topics.tsv (real
user messages, typos included) measures them.
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

from bot.nlu.textnorm import normalise

# In answering order, most specific first ("general" only when nothing else is found).
Topic = Literal[
    "repair",
    "closing",
    "late",
    "overdue",
    "pausing",
    "auto_repay",
    "lower_limit",
    "early_repayment",
    "minimum_repayment",
    "instalments",
    "inquiries",
    "loan_application",
    "report_content",
    "get_report",
    "zhima",
    "use",
    "general",
]

# The order topics are answered in when several apply: Topic's own order, most specific first.
PRIORITY: Final[tuple[Topic, ...]] = tuple(t for t in get_args(Topic) if t != "general")
MAX_TOPICS: Final = 2

# Words with 关 that do not mean closing (「有关系吗」「关联」「关于」), and product
# names that contain a topic word (芝麻借呗 is 借呗, not a 芝麻分 question).
_MASKED: Final = re.compile(r"有关|相关|关系|关联|关于|无关|机关|关注|关心|攸关|关键|海关|过关|关怀|开关")
_RENAMED: Final = (("芝麻借呗", "借呗"), ("芝麻花呗", "花呗"))

_PRODUCT: Final = r"(?:[花话借节接][呗贝被倍]|hb|jb|蚂蚁|信用购|信用贷|借款功能|现金借款)"
_NUMBER: Final = r"(?:[一二两三四五六七八九十几半多]+|\*\*\*|\d+)"

_CUES: Final[dict[Topic, str]] = {
    "repair": r"修复|洗白|[花付]钱.{0,6}[删消改]",
    "closing": r"注销|销户|销了|关",
    "late": (
        rf"(?:逾期|预期|晚还|迟还|晚|迟|延迟|拖延|推迟|超|续期)(?:了|还款|还)?{_NUMBER}(?:天|日|个?小时|分钟|晚上)"
        r"|逾期(?:多长时间|多久|几天)(?:之内|以内)?(?:会|才|就|不会)?(?:影响|上|算)"
        r"|晚还|迟还|忘了(?:去)?还|忘记(?:了)?[还换]|延期还款|超过.{0,3}点|晚一点还|还款日.{0,2}超"
    ),
    "overdue": r"逾期|预期|违约|不及时还|到期未还|没按时还|未按时还",
    "pausing": r"暂停|停用一段|先停",
    "auto_repay": r"自动还|自动扣|代扣|不是主动还款",
    "lower_limit": r"调低|调小|降额|降低额度|额度降|降到|降至",
    "early_repayment": r"提前.{0,3}还|提前结清|一次性还清",
    "minimum_repayment": r"最低|最底",
    "instalments": r"分期",
    "inquiries": (
        r"关.{0,6}(?:又|再|重新)开|开了关|关了开|再开[通启]|重新开通|重新申请"
        r"|开通.{0,3}(?:会|对)|[会要](?:不会)?查(?:一次|一下|我的?|个人)*(?:征信|信用)|查询记录|征信查询|查询次数|查多了|硬查询|审批查询"
    ),
    "loan_application": (
        r"房贷|车贷|买房|买车|购房|公积金贷|经营贷|企业贷|公司贷|法人征信"
        r"|(?:银行|以后|去|申请|办|要)的?.{0,2}贷款|贷款(?:买|审批)|信用卡申请|办信用卡|申请信用卡"
    ),
    "report_content": (
        r"显示|看到|看得到|明细|买了什么|买的东西|什么东西|哪个机构|消费金融|更新|几笔|一笔一笔|总额度"
        r"|实时|两个字|什么样|查到"
    ),
    "get_report": (
        r"怎么查|如何查|在哪里?查|哪里能?查|去哪里?[查打]|能查吗|查几次|免费查|查一下|打印?征信|打.{0,2}报告"
        r"|看看自己|自己的征信|手机上能查"
    ),
    "zhima": r"芝麻",
    "use": (
        rf"{_PRODUCT}|用满|透支|负数|为负|负额度|用超|为付|按时还|经常用|上征信|进征信|接入征信|信用报告" r"|央行|人行"
    ),
}
_CUE_PATTERNS: Final[dict[Topic, re.Pattern[str]]] = {topic: re.compile(cue) for topic, cue in _CUES.items()}

# Words about a bad record: the question is about overdue records only when
# nothing else is asked (「关闭算不良记录吗」 is a closing question).
_BAD_RECORD: Final = re.compile(r"不良(?!影响)|负面|污点|黑名单|拉黑|变黑|留底")

# A topic found makes these redundant: its answer already covers them, or the
# other word was only the feared consequence (「最低还款算逾期吗」).
_SUPPRESSES: Final[dict[Topic, frozenset[Topic]]] = {
    "repair": frozenset({"overdue", "use"}),
    "late": frozenset({"overdue", "auto_repay", "use"}),
    "minimum_repayment": frozenset({"overdue", "lower_limit", "use"}),
    "instalments": frozenset({"overdue", "use"}),
    "early_repayment": frozenset({"overdue", "instalments", "lower_limit", "use"}),
    "pausing": frozenset({"overdue", "use"}),
    "lower_limit": frozenset({"overdue", "use"}),
    "auto_repay": frozenset({"closing", "use"}),
    "inquiries": frozenset({"closing", "use"}),
    "loan_application": frozenset({"closing", "inquiries", "use"}),
    "closing": frozenset({"report_content", "use"}),
    "overdue": frozenset({"report_content", "use"}),
    "report_content": frozenset({"use"}),
    "get_report": frozenset({"inquiries", "use"}),
    "zhima": frozenset({"use"}),
}


def prepare(text: str) -> str:
    """The text cues are read on: normalised, 关-words that are not closing masked, product names unified."""
    prepared = normalise(text or "")
    for name, plain in _RENAMED:
        prepared = prepared.replace(name, plain)
    return _MASKED.sub("__", prepared)


def detect_topics(text: str) -> tuple[Topic, ...]:
    """The topics of a credit question, most specific first, at most MAX_TOPICS; ("general",) when none."""
    prepared = prepare(text)
    found: set[Topic] = {topic for topic, pattern in _CUE_PATTERNS.items() if pattern.search(prepared)}
    if found <= {"use", "zhima"} and _BAD_RECORD.search(prepared):
        found.add("overdue")
    redundant: set[Topic] = set()
    for topic in found:
        redundant |= _SUPPRESSES.get(topic, frozenset())
    found -= redundant
    ordered = tuple(topic for topic in PRIORITY if topic in found)[:MAX_TOPICS]
    return ordered or ("general",)
