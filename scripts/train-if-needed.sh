#!/usr/bin/env bash
# Train a model only when models/ has none newer than the training inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Rasa 3.6 and its dependencies print pages of deprecation warnings on 3.11.
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"

inputs=(data config.yml domain.yml components bot/nlu bot/core/catalog.py)
latest=$(ls -t models/*.tar.gz 2>/dev/null | head -n1 || true)
if [ -n "$latest" ]; then
  existing=()
  for p in "${inputs[@]}"; do [ -e "$p" ] && existing+=("$p"); done
  if [ -z "$(find "${existing[@]}" -type f -newer "$latest" -not -name '*.pyc' -print -quit)" ]; then
    echo "==> model up to date: $latest"
    exit 0
  fi
fi
force=()
# Rasa's training cache does not fingerprint the jieba dictionaries it loads.
if [ -n "$latest" ] && [ -n "$(find data/jieba -type f -newer "$latest" -print -quit)" ]; then
  force=(--force)
fi
echo "==> training a model (about 10 minutes on 2 cores)"
PYTHONPATH="$PWD" .venv/bin/rasa train "${force[@]}" --fixed-model-name "model-$(date +%Y%m%d-%H%M%S)" --quiet
