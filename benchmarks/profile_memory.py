"""Where a Rasa server's memory goes, part by part of the loaded model (issue 15, docs/benchmarks.md).

Loads a model in a fresh Python process the way `rasa run` does and prints its resident memory
(VmRSS) after the imports and after each part of the model's graph is loaded, with what each
part added; the parts that add less than 1 MB are left out. Twice for this assistant's latest
model (with channels/model_loading.py as its servers load, then with Rasa's own loading) and, if
a moodbot folder is given (`rasa init --no-prompt`, as benchmarks/bench_turns.py builds it),
once for Rasa's moodbot.

    python benchmarks/profile_memory.py
    MOODBOT_DIR=/tmp/moodbot python benchmarks/profile_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the child process: MODEL and CUT are set before it.
CHILD = """
import asyncio, logging
logging.disable(logging.WARNING)
import rasa.core.agent, tensorflow
from rasa.engine.graph import GraphNode

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if CUT:
    from channels import model_loading
    model_loading.install()
print(f"  {'Python, Rasa and TensorFlow imported':<58} {rss():7.0f} MB")
original = GraphNode.__init__

def measured(self, node_name, *args, **kwargs):
    before = rss()
    original(self, node_name, *args, **kwargs)
    if rss() - before >= 1:
        print(f"  {'+ ' + node_name:<58} {rss():7.0f} MB  ({rss() - before:+.0f})")

GraphNode.__init__ = measured
agent = asyncio.run(rasa.core.agent.load_agent(model_path=MODEL))
assert agent.is_ready(), "the model did not load"
"""


def profile(title: str, model: Path, cut: bool) -> None:
    print(f"{title}: {model.name} ({model.stat().st_size / 2**20:.0f} MB on disk)", flush=True)
    script = f"MODEL = {str(model)!r}\nCUT = {cut}\n{CHILD}"
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    print(done.stdout, end="" if done.stdout.endswith("\n") else "\n")
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])


def main() -> int:
    ours = max((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    profile("this assistant, as its servers load it (channels/model_loading.py)", ours, cut=True)
    profile("this assistant, loaded by Rasa's own code", ours, cut=False)
    if os.environ.get("MOODBOT_DIR"):
        moodbot = max((Path(os.environ["MOODBOT_DIR"]) / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        profile("Rasa's moodbot", moodbot, cut=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
