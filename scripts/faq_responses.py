"""Write the FAQ answers' Rasa responses (data/faq/responses.yml) from the reviewed bot/credit/faq.yml.

Rasa needs a response `utter_out_of_scope/<topic>` for every retrieval topic; the
wording, its facts and sources live only in bot/credit/faq.yml, so this file is
generated and cannot drift (tests/unit/credit/test_faq.py checks it).

    python scripts/faq_responses.py          # write the file
    python scripts/faq_responses.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a plain script, without installing the project

from bot.credit.faq import load_faq, rasa_responses  # noqa: E402

RESPONSES_FILE = ROOT / "data" / "faq" / "responses.yml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    wanted = rasa_responses(load_faq())
    if parser.parse_args().check:
        current = RESPONSES_FILE.read_text(encoding="utf-8") if RESPONSES_FILE.exists() else ""
        print("FAQ responses up to date" if current == wanted else f"stale: run python {Path(__file__).name}")
        return 0 if current == wanted else 1
    RESPONSES_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESPONSES_FILE.write_text(wanted, encoding="utf-8")
    print(f"wrote {RESPONSES_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
