"""`python -m bot.cli dev-mode`: the one parser of BOT_DEV_MODE that scripts/run.sh asks."""

import os
import subprocess
from pathlib import Path

import pytest

from bot import cli
from bot.config import DEV_JWT_SECRET

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("value", "printed"), [("yes", "true"), ("1", "true"), ("on", "true"), ("", "false")])
def test_prints_what_the_servers_will_think(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, printed: str
) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", value)
    monkeypatch.delenv("BOT_JWT_SECRET", raising=False)
    assert cli.main(["dev-mode"]) == 0
    assert capsys.readouterr().out.strip() == printed


def test_refuses_a_typo_a_public_bind_and_the_public_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "ture")
    assert cli.main(["dev-mode"]) == 2
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    assert cli.main(["dev-mode", "--bind", "0.0.0.0"]) == 2
    assert cli.main(["dev-mode", "--bind", "127.0.0.1"]) == 0
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    monkeypatch.setenv("BOT_JWT_SECRET", DEV_JWT_SECRET)
    assert cli.main(["dev-mode", "--bind", "0.0.0.0"]) == 2
    out = capsys.readouterr()
    assert out.out.strip() == "true"  # only the loopback call printed
    assert "BOT_DEV_MODE" in out.err and "0.0.0.0" in out.err and "development secret" in out.err


def _run_sh(**env: str) -> subprocess.CompletedProcess[str]:
    # Ports nobody uses: should the script get past its checks, nothing collides with `make run`.
    base = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return subprocess.run(
        [str(ROOT / "scripts" / "run.sh")],
        env={**base, "ACTION_PORT": "1", "RASA_PORT": "2", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("flag", ["on", "1", "yes"])
def test_run_sh_reads_the_flag_like_python_and_keeps_development_on_loopback(flag: str) -> None:
    # Before, only the word "true" meant development to run.sh: BOT_DEV_MODE=1 started both servers
    # in development mode (Python's reading) on 0.0.0.0 with production's --auth-token checks.
    done = _run_sh(BOT_DEV_MODE=flag, BIND_HOST="0.0.0.0", RASA_AUTH_TOKEN="t" * 32)
    assert done.returncode != 0
    assert "development mode serves only 127.0.0.1" in done.stderr
    assert "ready" not in done.stdout


def test_run_sh_refuses_a_mistyped_flag() -> None:
    done = _run_sh(BOT_DEV_MODE="ture", RASA_AUTH_TOKEN="t" * 32)
    assert done.returncode != 0 and "BOT_DEV_MODE must be one of" in done.stderr


def test_widget_origins_for_rasas_cors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    monkeypatch.delenv("BOT_JWT_SECRET", raising=False)
    monkeypatch.setenv("BOT_WIDGET_ORIGINS", "https://www.example.com https://m.example.com")
    assert cli.main(["widget-origins"]) == 0
    assert capsys.readouterr().out.splitlines() == ["https://www.example.com", "https://m.example.com"]
    monkeypatch.setenv("BOT_WIDGET_ORIGINS", "*")
    assert cli.main(["widget-origins"]) == 2
    assert "wildcard" in capsys.readouterr().err


def test_run_sh_never_opens_cors_to_every_site() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert '--cors "*"' not in script and "bot.cli widget-origins" in script
