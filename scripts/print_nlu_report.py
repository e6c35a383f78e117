"""Print intent and entity F1 from a `rasa test nlu` results folder (CI log friendly)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str) -> int:
    root = Path(folder)
    for name in ("intent_report.json", "DIETClassifier_report.json"):
        path = root / name
        if not path.exists():
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        print(f"\n{name}")
        for label, row in sorted(report.items()):
            if isinstance(row, dict) and "f1-score" in row:
                print(f"  {label:32s} f1={row['f1-score']:.3f} support={row.get('support', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results"))
