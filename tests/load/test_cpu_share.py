"""benchmarks/cpu_share.py: CPU time is put on the process that spent it, and the report adds up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks.cpu_share import Snapshot, lines, snapshot, spent


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_named_process_and_this_client_are_charged_for_what_they_spend(tmp_path: Path) -> None:
    spin = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)"
    worker = subprocess.Popen([sys.executable, "-c", spin])
    try:
        (tmp_path / "rasa-1.pid").write_text(f"{worker.pid}\n")
        before = snapshot(tmp_path)
        _burn(0.3)
        time.sleep(1.0)  # the worker burns its 0.6 s meanwhile
        groups, busy = spent(before, snapshot(tmp_path))
    finally:
        worker.kill()
        worker.wait()
    assert 0.25 <= groups["load client"] <= 1.5
    assert 0.3 <= groups["rasa-1"] <= 1.0
    assert busy >= groups["load client"] + groups["rasa-1"] - 0.05


def test_the_report_gives_each_group_per_message_and_as_a_share_largest_first() -> None:
    before = Snapshot({"rasa-1": 10.0, "postgresql": 5.0, "gone": 3.0}, 100.0)
    after = Snapshot({"rasa-1": 40.0, "postgresql": 15.0, "nginx": 2.0}, 160.0)
    report = lines(before, after, messages=1000)
    assert report[0] == "CPU (whole machine busy 60 s, 60 ms per message):"
    assert [line.split()[0] for line in report[1:]] == ["rasa-1", "postgresql", "nginx"]
    assert "30 ms/message" in report[1] and "50 %" in report[1]
    assert "10 ms/message" in report[2] and "2 ms/message" in report[3]
