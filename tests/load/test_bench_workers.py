"""benchmarks/bench_workers.py: its arguments and its report (the run itself is a benchmark, not a test)."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.bench_workers import Run, apologies, arguments, report, worker_counts


def _run(workers: int, messages: int, seconds: float, **problems: int) -> Run:
    fields = {"errors": 0, "empty": 0, "apologies": 0, "unfinished": 0, **problems}
    return Run(workers, messages, seconds, p50_ms=900, p95_ms=2500, load_average=2.5, **fields)


def test_worker_counts() -> None:
    assert worker_counts("1,2") == [1, 2]
    assert worker_counts(" 1, 2 ,3") == [1, 2, 3]
    for wrong in ["2", "1,1", "0,2", "1,x", ""]:
        with pytest.raises(argparse.ArgumentTypeError):
            worker_counts(wrong)


def test_defaults_are_the_issues_run_without_think_time() -> None:
    args = arguments([])
    assert (args.workers, args.conversations, args.think) == ([1, 2], 100, 0.0)
    assert arguments(["--workers", "2,1", "--conversations", "10"]).workers == [2, 1]
    with pytest.raises(SystemExit):
        arguments(["--conversations", "0"])
    with pytest.raises(SystemExit):
        arguments(["--workers", "1"])


def test_the_report_gives_each_rate_its_ratio_and_the_verdict() -> None:
    text = report([_run(1, 600, 60.0), _run(2, 600, 33.0)])
    one, two = text.splitlines()[1:3]
    assert "10.0" in one and "1.00x" in one
    assert "18.2" in two and "1.82x" in two
    assert text.splitlines()[-1] == "2 workers / 1 worker: 1.82x (target >= 1.7x: met)"


def test_a_ratio_under_the_target_and_failed_messages_are_said() -> None:
    text = report([_run(1, 600, 60.0), _run(2, 600, 50.0, apologies=3)])
    assert "1.20x (target >= 1.7x: not met)" in text
    assert text.splitlines()[-1].startswith("some messages failed")


def test_only_one_run_so_far_has_no_verdict() -> None:
    text = report([_run(1, 600, 60.0)])
    assert "target" not in text and len(text.splitlines()) == 2


def test_the_failure_replies_are_the_domains() -> None:
    texts = apologies()
    assert len(texts) == 3 and all("抱歉" in t for t in texts)


def test_the_report_says_how_many_events_had_reached_rabbitmq_by_the_last_answer() -> None:
    base = _run(1, 600, 60.0)
    counted = Run(**{**base.__dict__, "events_published": 5400, "events_stored": 7200})
    text = report([counted, _run(2, 600, 33.0)])
    assert "1 worker(s): 5400 of 7200 tracker events were in RabbitMQ as the last answer came" in text
    assert "2 worker(s)" not in text  # not counted in that run


def test_rounds_compare_each_two_worker_run_with_its_own_rounds_one_worker_run() -> None:
    runs = [_run(1, 600, 60.0), _run(2, 600, 40.0), _run(1, 600, 30.0), _run(2, 600, 20.0), _run(1, 600, 50.0)]
    text = report(runs, per_round=2)
    rows = text.splitlines()[1:6]
    assert [row.split("|")[4].strip() for row in rows] == ["1.00x", "1.50x", "1.00x", "1.50x", "1.00x"]
    assert text.splitlines()[-1] == "2 workers / 1 worker: 1.50x, 1.50x; median 1.50x (target >= 1.7x: not met)"


def test_rounds_must_be_positive() -> None:
    assert arguments(["--rounds", "3"]).rounds == 3
    with pytest.raises(SystemExit):
        arguments(["--rounds", "0"])


def test_the_report_says_what_two_workers_could_deliver_with_every_core_busy() -> None:
    two = Run(**{**_run(2, 600, 40.0).__dict__, "machine_cpu_s": 72.0})  # 0.12 s of machine CPU a message
    text = report([_run(1, 600, 60.0), two], cores=2)
    # 2 cores / 0.12 s = 16.7 messages/s at most, against the one worker's 10; the run kept them 90 % busy
    assert text.splitlines()[-1] == (
        "2 workers with all 2 cores busy, at the run's machine CPU a message: at most 1.67x (90 % busy) one worker"
    )
    assert "cores busy" not in report([_run(1, 600, 60.0), _run(2, 600, 40.0)], cores=2)  # CPU not read
