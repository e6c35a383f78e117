"""The agent console over HTTP with both servers up: login, claim, reply, note, hand back, close."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import tracker_events

pytestmark = pytest.mark.e2e


def test_page_is_served_locally_and_the_api_needs_a_login(console, running) -> None:
    page = requests.get(f"{running.rasa_url}/console/", timeout=10)
    assert page.status_code == 200 and "人工客服工作台" in page.text
    assert "http" not in page.text.split("<body>")[0].replace('"/console', "")  # no CDN in <head>
    assert requests.get(f"{running.rasa_url}/console/static/console.js", timeout=10).status_code == 200
    assert requests.get(f"{running.rasa_url}/console/static/..%2Fbot%2Fconfig.py", timeout=10).status_code == 404
    anonymous = console()
    assert anonymous.get("/queue").status_code == 401
    assert anonymous.get("/tickets/1").status_code == 401
    assert anonymous.post("/tickets/1/claim").status_code == 401


def test_the_console_is_its_own_origin_only(console, running) -> None:
    page = requests.get(f"{running.rasa_url}/console/", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    # the widget's origin (in development: this server) gets CORS on the widget routes, never on the console
    origin = running.rasa_url
    assert (
        requests.get(f"{origin}/webhooks/socketio/", headers={"Origin": origin}, timeout=10).headers.get(
            "Access-Control-Allow-Origin"
        )
        == origin
    )
    me = requests.get(f"{origin}/console/api/me", headers={"Origin": origin}, timeout=10)
    assert me.status_code == 401 and not [h for h in me.headers if h.lower().startswith("access-control-")]
    agent = console()
    login = {"login": "xiaowang", "password": "wang-secret-1"}
    cross = agent.http.post(f"{agent.base}/login", json=login, headers={"Origin": "https://evil.example"}, timeout=10)
    assert cross.status_code == 403 and not agent.http.cookies
    same = agent.http.post(f"{agent.base}/login", json=login, headers={"Origin": origin}, timeout=10)
    assert same.status_code == 200 and agent.http.cookies.get("console_session")


@pytest.mark.parametrize(
    ("login", "password"),
    [("xiaowang", "wrong"), ("xiaowang", ""), ("nobody", "wang-secret-1"), ("", ""), ("xiaowang' OR 1=1 --", "x")],
)
def test_wrong_credentials_are_refused(console, login: str, password: str) -> None:
    c = console()
    assert c.login(login, password).status_code == 401
    assert c.get("/queue").status_code == 401


def test_login_guessing_is_throttled_and_logout_ends_the_session(console, running) -> None:
    guesser = console()
    for _ in range(5):
        assert guesser.login("mallory", "guess").status_code == 401
    locked = guesser.login("mallory", "guess")
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 900
    assert "分钟后再试" in locked.json()["detail"]

    agent = console("xiaoli")
    copied = requests.Session()  # the session cookie, copied off the agent's machine
    copied.cookies.update(agent.http.cookies)
    assert copied.get(f"{agent.base}/me", timeout=10).status_code == 200
    assert agent.post("/logout").status_code == 200
    assert copied.get(f"{agent.base}/me", timeout=10).status_code == 401
    assert agent.get("/queue").status_code == 401


def test_posts_need_the_csrf_token_and_json(console, chat) -> None:
    chat("demo_clean").say("/request_human")
    agent = console("xiaowang")
    ticket = agent.ticket_for("demo_clean")
    assert agent.post(f"/tickets/{ticket['id']}/claim", csrf=False).status_code == 403
    form = agent.http.post(
        f"{agent.base}/tickets/{ticket['id']}/claim", data="x=1", headers={"X-CSRF-Token": agent.csrf}, timeout=10
    )
    assert form.status_code == 415
    assert agent.ticket_for("demo_clean")["status"] == "queued"


def test_claim_reply_note_and_hand_back(console, chat, running) -> None:
    user = chat("demo_balance")
    user.say('/close_account{"product":"jiebei"}')
    user.say("/request_human")
    user.send("我想提前还清借呗再注销")  # written while waiting: the agent sees it

    wang, li = console("xiaowang"), console("xiaoli")
    ticket = wang.ticket_for("demo_balance")
    assert (ticket["status"], ticket["position"], ticket["customer_name"]) == ("queued", 1, "李娜")
    detail = wang.get(f"/tickets/{ticket['id']}").json()
    assert detail["bot_paused"] is True
    assert detail["summary"]["customer"]["phone_masked"] == "138****2222"
    assert [p["owed"] for p in detail["summary"]["products"]] == ["¥1,234.50", "¥3,256.80"]
    assert detail["transcript"][-1] == {**detail["transcript"][-1], "speaker": "user", "text": "我想提前还清借呗再注销"}

    # Nobody may answer before claiming; once claimed, only the claimer.
    tid = ticket["id"]
    assert wang.post(f"/tickets/{tid}/reply", {"text": "您好"}).status_code == 409
    assert wang.post(f"/tickets/{tid}/claim").status_code == 200
    assert li.post(f"/tickets/{tid}/claim").status_code == 409
    assert li.post(f"/tickets/{tid}/reply", {"text": "我是小李"}).status_code == 409
    assert wang.post(f"/tickets/{tid}/reply", {"text": ""}).status_code == 400
    assert wang.post(f"/tickets/{tid}/reply", {"text": "长" * 2001}).status_code == 400

    assert wang.post(f"/tickets/{tid}/reply", {"text": "您好，我是人工客服小王，借呗可以提前还清。"}).status_code == 200
    assert wang.post(f"/tickets/{tid}/note", {"text": "客户想先还清再注销，已告知流程"}).status_code == 200
    events = tracker_events(running, "demo_balance")
    agent_msgs = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("sender") == "agent"]
    assert [(e["text"], e["metadata"]["agent_name"]) for e in agent_msgs] == [
        ("您好，我是人工客服小王，借呗可以提前还清。", "小王")
    ]
    assert not any("已告知流程" in str(e.get("text")) for e in events)  # the note never reaches the user
    detail = wang.get(f"/tickets/{tid}").json()
    assert [n["text"] for n in detail["notes"]] == ["客户想先还清再注销，已告知流程"]
    assert detail["transcript"][-1]["speaker"] == "agent"

    # Hand back: the bot says so and answers again.
    back = wang.post(f"/tickets/{tid}/handback")
    assert back.status_code == 200 and "接下来由我继续为您服务" in back.json()["bot_said"][0]
    events = tracker_events(running, "demo_balance")
    assert [e["event"] for e in events if e["event"] in ("pause", "resume")] == ["pause", "resume"]
    assert "借呗现在还不能关闭" in user.say('/close_account{"product":"jiebei"}')
    assert wang.post(f"/tickets/{tid}/handback").status_code == 409  # finished
    assert wang.post(f"/tickets/{tid}/note", {"text": "晚了"}).status_code == 409


def test_closing_a_live_ticket_resumes_the_bot_quietly(console, chat) -> None:
    user = chat("demo_overdue")
    user.say("/request_human")
    agent = console("xiaoli")
    tid = agent.ticket_for("demo_overdue")["id"]
    assert agent.post(f"/tickets/{tid}/claim").status_code == 200
    assert agent.post(f"/tickets/{tid}/close").status_code == 200
    assert agent.get(f"/tickets/{tid}").json()["status"] == "closed"
    assert "逾期" in user.say('/close_account{"product":"huabei"}')
    assert agent.get("/tickets/999999").status_code == 404
