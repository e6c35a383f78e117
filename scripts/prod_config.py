"""Production start-up helpers for scripts/run-prod.sh: check the environment, render nginx's config.

    python scripts/prod_config.py defaults         `export` lines for the unset non-secret settings (eval'd)
    python scripts/prod_config.py check            every required setting present and the services reachable
    python scripts/prod_config.py tracker-db       create Rasa's tracker database (TRACKER_DB_NAME) if it is missing
    python scripts/prod_config.py nginx OUT_FILE   render deploy/nginx/credit-assistant.conf.template

Everything comes from the environment (README, Production deployment). `check` prints one line
per problem and exits 2, so the script refuses to start with a clear message instead of letting
five processes fail one by one.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEMPLATE = REPO / "deploy" / "nginx" / "credit-assistant.conf.template"

# Secrets: set and non-empty. Nothing here has a default, nothing is generated.
SECRETS = ("BOT_JWT_SECRET", "BOT_ACTION_SECRET", "RASA_AUTH_TOKEN", "BOT_CONSOLE_SECRET")
# Passwords of the services: must be set; empty is accepted (a local service with trust auth).
PASSWORDS = ("TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "RABBITMQ_PASSWORD")
# Where the services are: defaults for a machine that runs them on localhost (scripts/run-prod.sh).
DEFAULTS = {
    "TRACKER_DB_HOST": "127.0.0.1",
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "credit_tracker",
    "TRACKER_DB_USER": "postgres",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "1",
    "RABBITMQ_HOST": "127.0.0.1",
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_EVENTS_QUEUE": "credit_assistant_events",
    # Rasa's own name: a deployment that shares its RabbitMQ with another Rasa gives each its own
    "RABBITMQ_EXCHANGE": "rasa-exchange",
}


def ports(name: str) -> list[int]:
    """A space-separated port list from the environment (RASA_PORTS, ACTION_PORTS)."""
    return [int(p) for p in os.environ.get(name, "").split()]


def problems(env: dict[str, str]) -> list[str]:
    """What keeps production from starting, one sentence each (empty: good to go)."""
    from bot.config import MIN_SECRET_BYTES, ConfigError, Settings

    found = [f"{name} is not set (a secret: only from the environment)" for name in SECRETS if not env.get(name)]
    found += [f"{name} is not set (export it; empty means no password)" for name in PASSWORDS if name not in env]
    url = env.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        found.append("DATABASE_URL must be the account database's postgresql+psycopg2://… URL")
    for name in ("BOT_JWT_SECRET", "BOT_ACTION_SECRET", "BOT_CONSOLE_SECRET"):
        if env.get(name) and len(env[name].encode()) < MIN_SECRET_BYTES:
            found.append(f"{name} must be set to at least {MIN_SECRET_BYTES} bytes (an HMAC key)")
    try:
        settings = Settings.from_env(env)  # refuses the public development secret, malformed values
        if settings.dev_mode:
            found.append("BOT_DEV_MODE is on: production runs with it off (unset it)")
        else:
            if not settings.agent_users:
                print("note: BOT_AGENT_USERS is empty: nobody can log in to the agent console", file=sys.stderr)
            if settings.code_sender == "outbox":
                print(
                    "note: BOT_CODE_SENDER is not set: no one-time code can be sent, so closing, unbinding, "
                    "lowering a limit and data deletion cannot complete (README, Configuration)",
                    file=sys.stderr,
                )
    except ConfigError as problem:
        found.append(str(problem))
    return found


def unreachable(env: dict[str, str]) -> list[str]:
    """The services that do not answer on their address."""
    account = urlparse(env.get("DATABASE_URL", "").replace("+psycopg2", ""))
    services = [
        ("account PostgreSQL (DATABASE_URL)", account.hostname or "127.0.0.1", account.port or 5432),
        ("tracker PostgreSQL (TRACKER_DB_HOST)", env["TRACKER_DB_HOST"], int(env["TRACKER_DB_PORT"])),
        ("Redis lock store (REDIS_HOST)", env["REDIS_HOST"], int(env["REDIS_PORT"])),
        ("RabbitMQ event broker (RABBITMQ_HOST)", env["RABBITMQ_HOST"], int(env["RABBITMQ_PORT"])),
    ]
    down = []
    for name, host, port in services:
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as problem:
            down.append(f"{name} at {host}:{port} does not answer ({problem.strerror or problem})")
    return down


def ensure_tracker_db(env: dict[str, str]) -> str | None:
    """Create the tracker database when missing (Rasa's SQL store makes tables, not databases); a problem or None."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import URL

    url = URL.create(
        "postgresql+psycopg2",
        username=env["TRACKER_DB_USER"],
        password=env.get("TRACKER_DB_PASSWORD") or None,
        host=env["TRACKER_DB_HOST"],
        port=int(env["TRACKER_DB_PORT"]),
        database="postgres",
    )
    name = env["TRACKER_DB_NAME"]
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                print(f"run-prod: created the tracker database {name}", file=sys.stderr)
    except Exception as problem:  # reported, not raised: the operator may create it by hand
        return f"could not check or create the tracker database {name}: {str(problem).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def render_nginx(out: Path, env: dict[str, str]) -> None:
    """Write nginx.conf for the running topology (ports from RASA_PORTS, ACTION_PORTS, …)."""
    rasa, actions = ports("RASA_PORTS"), ports("ACTION_PORTS")
    if len(rasa) < 1 or len(actions) < 1:
        raise SystemExit("RASA_PORTS and ACTION_PORTS must list at least one port each")
    run_dir = Path(env["NGINX_RUN_DIR"]).resolve()
    log_dir = Path(env["LOG_DIR"]).resolve()
    # a process that fails twice within 10 s is skipped for 10 s (then tried again)
    values = {
        "LISTEN": f"{env.get('PUBLIC_BIND', '0.0.0.0')}:{env['PUBLIC_PORT']}",
        "ACTION_PROXY_PORT": env["ACTION_PROXY_PORT"],
        "RASA_SERVERS": "\n".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in rasa),
        "ACTION_SERVERS": "\n".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in actions),
        "RASA_SERVERS_LIST": ", ".join(map(str, rasa)),
        "RASA_FIRST_PORT": str(rasa[0]),
        "ACTION_SERVERS_LIST": ", ".join(map(str, actions)),
        "NGINX_WORKERS": env.get("NGINX_WORKERS", "1"),
        "RUN_DIR": str(run_dir),
        "LOG_DIR": str(log_dir),
        "MAX_BODY": str(int(env.get("BOT_MAX_REQUEST_BYTES") or 65536)),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if "@" in text.replace("@NAME@", ""):
        raise SystemExit(f"unrendered placeholder left in {TEMPLATE}")
    run_dir.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def defaults(env: dict[str, str]) -> list[str]:
    """Shell `export` lines for the settings that are unset, each with its localhost default."""
    lines = [f"export {k}={shlex.quote(v)}" for k, v in DEFAULTS.items() if k not in env]
    if "BOT_EVENTS_AMQP_URL" not in env:  # the handoff events go to the same RabbitMQ
        merged = {**DEFAULTS, **env}
        user, password = quote(merged["RABBITMQ_USER"], safe=""), quote(merged.get("RABBITMQ_PASSWORD", ""), safe="")
        url = f"amqp://{user}:{password}@{merged['RABBITMQ_HOST']}:{merged['RABBITMQ_PORT']}/"
        lines.append(f"export BOT_EVENTS_AMQP_URL={shlex.quote(url)}")
    return lines


def main(argv: list[str]) -> int:
    env = {**DEFAULTS, **os.environ}
    if argv[:1] == ["defaults"]:
        print("\n".join(defaults(dict(os.environ))))
        return 0
    if argv[:1] == ["check"]:
        found = problems(env)
        if not found:
            found = unreachable(env)
        for line in found:
            print(f"run-prod: {line}", file=sys.stderr)
        if found:
            print("run-prod: refusing to start (README, Production deployment)", file=sys.stderr)
            return 2
        return 0
    if argv[:1] == ["tracker-db"]:
        problem = ensure_tracker_db(env)
        if problem:
            print(f"run-prod: {problem}", file=sys.stderr)
            return 2
        return 0
    if argv[:1] == ["nginx"] and len(argv) == 2:
        render_nginx(Path(argv[1]), env)
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
