"""The floor to beat: 13 keyword rules, first match wins, else out_of_scope.

Scored beside the model in `make evaluate` so the report shows what the model adds
over the obvious approach (issue 11 measured 0.63 for such a classifier).
"""

from __future__ import annotations

import re

RULES: tuple[tuple[str, str], ...] = (
    (r"人工|客服|投诉|真人", "request_human"),
    (r"机器人", "bot_challenge"),
    (r"撤回|撤销", "cancel_request"),
    (r"结清证明|还款证明|证明", "request_settlement_certificate"),
    (r"进度|审核|成功了?没|好了没", "check_request_status"),
    (r"征信|信用记录|芝麻分|芝麻信用", "ask_credit_impact"),
    (r"删除|个人信息|隐私", "ask_data_deletion"),
    (r"被.*(关|冻结|停)|冻结|降额|突然", "ask_closed_by_platform"),
    (r"暂停|暂时不用", "pause_credit"),
    (r"恢复|重新开通|再开", "reopen_account"),
    (r"自动还款|代扣|免密|解绑|收钱码", "unbind_service"),
    (r"调低|降低额度|减少额度", "lower_limit"),
    (r"关闭|注销|停用|关掉|取消|不想用", "close_account"),
)
_COMPILED = tuple((re.compile(pattern), intent) for pattern, intent in RULES)


def classify(text: str) -> str:
    """The intent of the first rule that matches, else out_of_scope."""
    for pattern, intent in _COMPILED:
        if pattern.search(text):
            return intent
    return "out_of_scope"
