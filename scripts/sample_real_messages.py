"""Draw the real messages to label from the ATEC pool (see data/real/README.md).

Two slices, both with a fixed seed so the sample can be rebuilt:
- ``random``: a plain random sample, i.e. natural traffic (mostly out of scope);
- ``keyword``: messages that use a journey's words, drawn group by group so every
  intent gets real examples, including the look-alikes that must *not* start one.

Exact duplicates (after dropping punctuation and spaces) are drawn once.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

SEED = 2018
RANDOM_SLICE = 1600
PER_GROUP = 160

# Journey words, one group per intent family. A message may match several groups;
# it is drawn once, by the first group that picks it.
KEYWORD_GROUPS: dict[str, str] = {
    "close": r"关闭|注销|停用|关掉|不想用|关了|取消(花呗|借呗|额度|服务|这个)",
    "cancel_any": r"取消|撤回|撤销|撤消",
    "pause": r"暂停|暂时不用|暂时不想|先不用|冻结",
    "reopen": r"恢复|重新开通|再开|开回|重新开",
    "unbind": r"自动还款|代扣|解绑|免密|默认|优先|收钱码|银行卡扣|自动扣",
    "credit": r"信用记录|征信|芝麻|影响信用|信用分|黑名单|不良记录|信用",
    "certificate": r"证明|结清",
    "status": r"进度|审核|成功了没|成功没|多久生效|还显示|还能用",
    "deletion": r"删除|删掉|资料|个人信息|记录",
    "human": r"人工|客服|投诉|电话|真人|机器人",
    "limit_down": r"降低|调低|减少额度|降额|额度.*(低|少)",
    "closed_by_platform": r"被关|突然|不能用|用不了|被停|为什么.*关",
}


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def sample(lines: list[str]) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    seen: set[str] = set()
    unique: list[str] = []
    for line in lines:
        key = _key(line)
        if line and key and key not in seen:
            seen.add(key)
            unique.append(line)
    picked: list[tuple[str, str]] = []
    taken: set[str] = set()
    for text in rng.sample(unique, RANDOM_SLICE):
        picked.append(("random", text))
        taken.add(text)
    for group, pattern in KEYWORD_GROUPS.items():
        matching = [t for t in unique if t not in taken and re.search(pattern, t)]
        for text in rng.sample(matching, min(PER_GROUP, len(matching))):
            picked.append((f"keyword:{group}", text))
            taken.add(text)
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pool", type=Path, help="../shared/data/atec_pool.txt")
    parser.add_argument("out", type=Path, help="data/real/sample.tsv")
    args = parser.parse_args()
    lines = [line.strip() for line in args.pool.read_text(encoding="utf-8").splitlines()]
    rows = sample(lines)
    with args.out.open("w", encoding="utf-8") as out:
        out.write("id\tslice\ttext\n")
        for number, (slice_name, text) in enumerate(rows, start=1):
            out.write(f"r{number:04d}\t{slice_name}\t{text}\n")
    print(f"{len(rows)} messages -> {args.out}")


if __name__ == "__main__":
    main()
