#!/usr/bin/env bash
# `make test` and CI: lint, data validation, the tests that need no model, then the
# dialogue stories and the fault tests beside the tests that talk to the trained model (two parts).
#
# Training takes about half of a CI run, so it runs beside lint and the model-free
# tests instead of before them: on the 2-core CI machines that saves several minutes.
# Every step runs even when an earlier one failed, so one log shows all failures.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
# The same defaults the Makefile exports, so the script also runs on its own.
export PYTHONPATH="$PWD" BOT_DEV_MODE="${BOT_DEV_MODE:-true}"
BIN=.venv/bin
MODEL_TESTS="(e2e or browser or slow) and not faults"
# The tests that use the model run as two pytest processes, each on its own server pair: a
# conversation test waits on its servers one step at a time (one core busy), so one process
# left the second core idle once the stories and fault tests were done. This part has its own
# development pair (ports below), the rest the usual one (15005/15055).
MODEL_TESTS_PART2=(tests/nlu tests/channels/test_model_loading.py tests/e2e/test_production_identity.py)
PART2_PORTS=(E2E_RASA_PORT=15007 E2E_ACTION_PORT=15057)
failed=()

train_log=$(mktemp)
scripts/timed.sh "training (if needed)" scripts/train-if-needed.sh >"$train_log" 2>&1 &
train_pid=$!

scripts/timed.sh "lint" make --no-print-directory lint || failed+=(lint)
scripts/timed.sh "data validation" "$BIN/python" scripts/validate_data.py || failed+=("data validation")
# No coverage floor here: it is checked once, on every pytest run together, below.
scripts/timed.sh "pytest, tests that need no model" "$BIN/pytest" -m "not ($MODEL_TESTS) and not faults" \
  --cov --cov-report= --cov-fail-under=0 --durations=10 || failed+=("pytest without model")

wait "$train_pid"; train_rc=$?
tail -n 5 "$train_log"
if [ "$train_rc" -ne 0 ]; then
  cat "$train_log"
  failed+=(training)
else
  # The stories and the fault tests (their own production topology on 16xxx ports, their own
  # databases, Redis db and queue) run beside the model tests: each spends much of its time
  # loading the model on one core or waiting for a process to come back.
  stories_log=$(mktemp) faults_log=$(mktemp)
  scripts/timed.sh "dialogue stories" make --no-print-directory test-stories >"$stories_log" 2>&1 &
  stories_pid=$!
  scripts/timed.sh "fault tests (production topology)" "$BIN/pytest" -m faults -p no:cacheprovider -q \
    >"$faults_log" 2>&1 &
  faults_pid=$!
  # Each part keeps its own coverage data; both are added to the first run's below.
  part2_log=$(mktemp)
  env "${PART2_PORTS[@]}" COVERAGE_FILE=.coverage.model2 scripts/timed.sh "pytest, tests that use the model (part 2)" \
    "$BIN/pytest" -m "$MODEL_TESTS" "${MODEL_TESTS_PART2[@]}" --cov --cov-report= --cov-fail-under=0 --durations=10 \
    >"$part2_log" 2>&1 &
  part2_pid=$!
  ignored=()
  for path in "${MODEL_TESTS_PART2[@]}"; do ignored+=(--ignore="$path"); done
  COVERAGE_FILE=.coverage.model1 scripts/timed.sh "pytest, tests that use the model (part 1)" "$BIN/pytest" \
    -m "$MODEL_TESTS" "${ignored[@]}" --cov --cov-report= --cov-fail-under=0 --durations=15 \
    || failed+=("pytest with model, part 1")
  wait "$part2_pid" || failed+=("pytest with model, part 2")
  cat "$part2_log"
  wait "$stories_pid" || failed+=("dialogue stories")
  cat "$stories_log"
  wait "$faults_pid" || failed+=("fault tests")
  tail -n 40 "$faults_log"
  rm -f "$stories_log" "$faults_log" "$part2_log"
  # The coverage floor (pyproject.toml) on all three pytest runs together.
  "$BIN/coverage" combine --append --quiet .coverage.model1 .coverage.model2 \
    && "$BIN/coverage" report || failed+=("coverage of bot/")
fi
rm -f "$train_log"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "==> make test failed: ${failed[*]}"
  exit 1
fi
echo "==> make test passed"
