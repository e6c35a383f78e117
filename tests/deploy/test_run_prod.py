"""scripts/run-prod.sh refuses to start without its secrets, and the nginx config it renders is valid."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sanic.config import Config

from bot.config import REPO_ROOT
from channels.action_server import MAX_INFLATED_BYTES
from tests.environment import unavailable

SECRETS = ("BOT_JWT_SECRET", "BOT_ACTION_SECRET", "RASA_AUTH_TOKEN", "BOT_CONSOLE_SECRET")
SETTINGS = (*SECRETS, "TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "DATABASE_URL", "BOT_DEV_MODE")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _run_prod(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    return subprocess.run(
        [str(REPO_ROOT / "scripts" / "run-prod.sh"), "--check"],
        cwd=REPO_ROOT,
        env={**base, "PROD_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_its_secrets_and_says_which(tmp_path: Path) -> None:
    result = _run_prod(tmp_path)
    assert result.returncode == 2
    for name in (*SECRETS, "TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD", "DATABASE_URL"):
        assert name in result.stderr, result.stderr
    assert "refusing to start" in result.stderr
    assert not (tmp_path / "nginx").exists()  # nothing rendered, nothing started


def test_refuses_development_mode_and_short_secrets(tmp_path: Path) -> None:
    result = _run_prod(
        tmp_path,
        BOT_DEV_MODE="true",
        BOT_JWT_SECRET="short",
        BOT_ACTION_SECRET="x" * 40,
        RASA_AUTH_TOKEN="t",
        BOT_CONSOLE_SECRET="y" * 40,
        TRACKER_DB_PASSWORD="",
        REDIS_PASSWORD="",
        RABBITMQ_PASSWORD="",
        DATABASE_URL="sqlite:///var/bot.db",
    )
    assert result.returncode == 2
    assert "BOT_DEV_MODE is on" in result.stderr
    assert "BOT_JWT_SECRET must be set to at least 32 bytes" in result.stderr
    assert "RASA_AUTH_TOKEN" not in result.stderr  # set: an API token has no length rule
    assert "DATABASE_URL must be the account database's postgresql" in result.stderr


def test_says_how_to_install_nginx_when_it_is_missing(tmp_path: Path) -> None:
    result = _run_prod(tmp_path, NGINX=str(tmp_path / "no-nginx"))
    assert result.returncode == 2
    assert "apt-get install nginx" in result.stderr


def test_rendered_nginx_config_is_valid_and_sticky(tmp_path: Path) -> None:
    if not Path(NGINX).exists():
        message = "nginx is not installed (scripts/ensure-nginx.sh installs it)"
        unavailable(message)
    env = {
        **os.environ,
        "RASA_PORTS": "16005 16006 16007",
        "ACTION_PORTS": "16055 16056",
        "PUBLIC_PORT": "16080",
        "ACTION_PROXY_PORT": "16050",
        "NGINX_RUN_DIR": str(tmp_path / "nginx"),
        "LOG_DIR": str(tmp_path / "logs"),
    }
    conf = tmp_path / "nginx" / "nginx.conf"
    (tmp_path / "logs").mkdir()
    subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "python"), "scripts/prod_config.py", "nginx", str(conf)],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    text = conf.read_text()
    rasa = text.split("upstream rasa_servers {")[1].split("}")[0]
    actions = text.split("upstream action_servers {")[1].split("}")[0]
    assert "ip_hash;" in rasa  # socket.io long-polling: one client, one process
    assert [f"127.0.0.1:{p}" in rasa for p in (16005, 16006, 16007)] == [True] * 3
    assert [f"127.0.0.1:{p}" in actions for p in (16055, 16056)] == [True] * 2
    # a conversation's calls reach the action server that kept its events (channels/event_chain.py)
    assert "hash $http_x_conversation_key consistent;" in actions
    # nginx gives up an idle kept connection before the action server (Sanic) closes it
    idle = int(actions.split("keepalive_timeout ")[1].split("s;")[0])
    assert idle < Config().KEEP_ALIVE_TIMEOUT
    assert "listen 127.0.0.1:16050;" in text  # the action servers are reached on loopback only
    assert "client_max_body_size 65536;" in text.split("listen 127.0.0.1:16050;")[0]  # the public cap
    assert "client_body_buffer_size 65536;" in text.split("listen 127.0.0.1:16050;")[0]  # in memory
    # Rasa's action calls (whole tracker + domain) get the action servers' own cap, not the public one
    action_proxy = text.split("listen 127.0.0.1:16050;")[1]
    assert "client_max_body_size 16m;" in action_proxy
    # ... kept in memory: nginx's workers may not be able to write a temp file under PROD_DIR
    assert "client_body_buffer_size 16m;" in action_proxy
    assert 16 * 1024 * 1024 == MAX_INFLATED_BYTES
    # Rasa's HTTP API (any conversation, read and write) is not on the public port
    public = text.split("upstream action_servers")[1].split("listen 127.0.0.1:16050;")[0]
    routed = [line.split("location", 1)[1].split("{")[0].strip() for line in public.splitlines() if "location" in line]
    assert routed == ["= /nginx-health", "= /", "^~ /webhooks/rest/", "~ ^/(webhooks/|socket\\.io|console)", "/"]
    # REST messages spread over the processes by customer token, not by client address
    rest = text.split("upstream rasa_rest {")[1].split("}")[0]
    assert "hash $http_authorization consistent;" in rest
    assert [f"127.0.0.1:{p}" in rest for p in (16005, 16006, 16007)] == [True] * 3
    assert "proxy_pass http://rasa_rest;" in public.split("location ^~ /webhooks/rest/ {")[1].split("}")[0]
    assert public.split("location / {")[1].split("}")[0].strip() == "return 404;"
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path / "nginx"), "-c", "nginx.conf", "-g", "daemon off;"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
