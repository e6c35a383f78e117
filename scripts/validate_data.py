"""`rasa data validate` that fails on every warning except one false positive.

Rasa warns that a response "is not used in any story or rule" even when a
custom action sends it (the validator only reads stories and rules). This
script accepts that warning only for responses that the code in actions/,
bot/ or channels/ actually names (literally, or as an f-string prefix such as
"utter_status_{...}") and for form questions (utter_ask_<slot>), and fails on
anything else.

Rasa also warns about "duplicated intents ... across multiple domain files" for a
retrieval intent (out_of_scope, the FAQ topics): it merges the intent it derives
from the NLU data into domain.yml's own, which must list it. That warning is
accepted for retrieval intents only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_[a-z0-9_]+)' is not used in any story or rule")
WARNING = re.compile(r"(UserWarning|WARNING|Warning):? (.*)")
NAMED = re.compile(r"[\"'](utter_[a-z0-9_]+)(\{?)")
DUPLICATED_INTENTS = re.compile(r"duplicated intents have been found across multiple domain files: (.*)")
RETRIEVAL_EXAMPLES = re.compile(r"^- intent: ([a-z_]+)/", re.MULTILINE)


def retrieval_intents() -> set[str]:
    """Intents whose training examples carry a sub-intent (`- intent: out_of_scope/<topic>`)."""
    return {
        name for path in (ROOT / "data").rglob("*.yml") for name in RETRIEVAL_EXAMPLES.findall(path.read_text("utf-8"))
    }


def form_questions() -> set[str]:
    """utter_ask_<slot> / utter_ask_<form>_<slot>: forms send these without any story naming them."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = set()
    for form, spec in (domain.get("forms") or {}).items():
        for slot in spec.get("required_slots", []):
            names |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    return names


def responses_named_in_code() -> tuple[set[str], set[str]]:
    names, prefixes = form_questions(), set()
    for path in [p for folder in ("actions", "bot", "channels") for p in (ROOT / folder).rglob("*.py")]:
        for name, brace in NAMED.findall(path.read_text(encoding="utf-8")):
            (prefixes if brace else names).add(name)
    return names, prefixes


def main() -> int:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "data", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    names, prefixes = responses_named_in_code()
    retrieval = retrieval_intents()
    problems = []
    for line in output.splitlines():
        duplicated = DUPLICATED_INTENTS.search(line)
        if duplicated and {i.strip() for i in duplicated.group(1).split(",")} <= retrieval:
            continue
        unused = UNUSED.search(line)
        if unused:
            name = unused.group(1)
            if name not in names and not any(name.startswith(p) for p in prefixes):
                problems.append(f"response {name} is used by no story, rule or code")
            continue
        if "UserWarning" in line or " WARNING " in line or "ERROR" in line:
            problems.append(line.strip())
    if result.returncode != 0:
        problems.append(f"rasa data validate exited with {result.returncode}")
    for problem in problems:
        print(problem)
    print("data validation: clean" if not problems else f"data validation: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
