// 人工客服工作台: login, live queue (polled), ticket view, claim / reply / note / hand back / close.
// All text from the server is inserted with textContent, never as HTML.
"use strict";

const API = "/console/api";
const POLL_MS = 1500;

const LABELS = {
  status: { queued: "排队中", claimed: "处理中", handed_back: "已交还机器人", closed: "已关闭", message_left: "留言待回电" },
  kind: { live: "在线转人工", message: "非服务时间留言" },
  reason: {
    requested: "用户要求转人工", complaint: "投诉", repeated_fallback: "机器人连续两次没听懂",
    frozen_by_platform: "账户被平台冻结", dispute: "对扣款/费用有争议", suspected_fraud: "疑似盗用或冒用",
  },
  account: { active: "正常", paused: "已暂停", closed: "已关闭", pending_closure: "关闭审核中", frozen_by_platform: "被平台冻结" },
  blocker: {
    unpaid_bill: "未还账单", unbilled_spending: "未出账消费", currently_overdue: "逾期中", instalments_remaining: "分期未还完",
    order_pending: "订单/退款未完成", frozen_by_platform: "平台冻结", request_pending: "已有申请在处理", already_closed: "已关闭",
  },
  intent: {
    close_account: "关闭额度", lower_limit: "调低额度", pause_credit: "暂停使用", reopen_account: "重新开通/恢复",
    unbind_service: "解绑服务", ask_credit_impact: "征信影响", ask_closure_effects: "关闭后果", ask_closed_by_platform: "平台关停原因",
    request_settlement_certificate: "结清证明", check_request_status: "申请进度", cancel_request: "撤回申请",
    ask_data_deletion: "个人信息删除", request_human: "转人工/投诉", out_of_scope: "其他问题", greet: "问候", goodbye: "再见",
    affirm: "肯定", deny: "否定", thank: "感谢", bot_challenge: "问是否机器人", inform: "补充信息", nlu_fallback: "未识别",
  },
  order_kind: { refund_in_progress: "退款处理中", order_unconfirmed: "未确认收货" },
  reason_code: { overdue: "逾期", risk_assessment: "综合评估", identity_expired: "身份信息过期", security: "账户安全" },
};

const state = { me: null, selected: null, ticket: null, pollTimer: null };
const $ = (id) => document.getElementById(id);
const label = (group, code) => (code && LABELS[group][code]) || code || "—";

async function api(path, body) {
  const options = { credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    if (state.me) options.headers["X-CSRF-Token"] = state.me.csrf;
    options.body = JSON.stringify(body);
  }
  const resp = await fetch(API + path, options);
  let data = {};
  try { data = await resp.json(); } catch (e) { data = {}; }
  if (resp.status === 401 && path !== "/login") showLogin();
  return { ok: resp.ok, status: resp.status, data };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function showLogin() {
  state.me = null;
  clearInterval(state.pollTimer);
  $("console-view").hidden = true;
  $("login-view").hidden = false;
}

function showConsole(me) {
  state.me = me;
  $("login-view").hidden = true;
  $("console-view").hidden = false;
  $("me").textContent = `${me.name}（${me.login}）`;
  refresh();
  clearInterval(state.pollTimer);
  state.pollTimer = setInterval(refresh, POLL_MS);
}

async function refresh() {
  await loadQueue();
  if (state.selected !== null) await loadTicket(state.selected);
}

async function loadQueue() {
  const { ok, data } = await api("/queue");
  if (!ok) return;
  const list = $("queue");
  list.replaceChildren();
  for (const t of data.tickets) {
    const item = el("li", "ticket-item");
    item.dataset.id = t.id;
    item.dataset.status = t.status;
    if (t.id === state.selected) item.classList.add("selected");
    if (t.status === "handed_back" || t.status === "closed") item.classList.add("finished");
    const who = t.customer_name || t.conversation_id;
    const place = t.position ? ` · 第 ${t.position} 位` : "";
    item.append(el("div", "line1", `#${t.id} ${who}`));
    const by = t.claimed_by_name ? ` · ${t.claimed_by_name}` : "";
    item.append(el("div", "line2", `${label("status", t.status)}${place} · ${label("reason", t.reason)}${by}`));
    item.addEventListener("click", () => { state.selected = t.id; refresh(); });
    list.append(item);
  }
  $("queue-empty").hidden = data.tickets.length > 0;
}

async function loadTicket(id) {
  const { ok, data } = await api(`/tickets/${id}`);
  if (!ok) return;
  state.ticket = data;
  $("no-ticket").hidden = true;
  $("ticket").hidden = false;
  $("ticket-title").textContent = `工单 #${data.id} · ${label("kind", data.kind)}`;
  $("ticket-status").textContent = label("status", data.status);
  $("ticket-status").dataset.status = data.status;
  $("ticket-paused").textContent = data.bot_paused ? "机器人已暂停" : "机器人在应答";
  renderButtons(data);
  renderSummary(data);
  renderTranscript(data.transcript);
  const notes = $("notes");
  notes.replaceChildren(...data.notes.map((n) => el("li", "note", `${n.author}：${n.text}`)));
}

function renderButtons(t) {
  const mine = t.claimed_by === state.me.login;
  $("claim-btn").disabled = !(t.status === "queued" || t.status === "message_left");
  $("handback-btn").disabled = !(t.status === "claimed" && mine && t.kind === "live");
  $("close-btn").disabled = t.status === "handed_back" || t.status === "closed" || (t.status === "claimed" && !mine);
  $("reply-btn").disabled = !(t.status === "claimed" && mine && t.kind === "live");
  $("note-btn").disabled = t.status === "handed_back" || t.status === "closed";
}

function renderSummary(t) {
  const s = t.summary || {};
  const rows = [];
  const c = s.customer;
  rows.push(["客户", c ? `${c.name}（${c.id}）${c.phone_masked ? " · " + c.phone_masked : ""}` : "身份未确认"]);
  rows.push(["转人工原因", label("reason", t.reason)]);
  if (t.kind === "message") {
    rows.push(["留言", t.message || "—"]);
    rows.push(["回电号码", t.callback_phone || "—"]);
  }
  for (const p of s.products || []) {
    const reason = p.reason_code ? `（${label("reason_code", p.reason_code)}）` : "";
    const lines = [`${label("account", p.status)}${reason} · 额度 ${p.credit_limit} · 待还 ${p.owed}`];
    for (const b of p.blockers) lines.push(`· ${label("blocker", b.kind)} ${blockerDetail(b)}`);
    rows.push([p.name, lines.join("\n")]);
  }
  rows.push(["用户问过", (s.intents || []).map((i) => label("intent", i)).join("、") || "—"]);
  rows.push(["机器人已说明", (s.bot_explained || []).join("\n") || "—"]);
  const dl = $("summary");
  dl.replaceChildren();
  for (const [k, v] of rows) { dl.append(el("dt", "", k), el("dd", "", v)); }
}

function blockerDetail(b) {
  const parts = b.order_kind ? [label("order_kind", b.order_kind)] : [];
  for (const key of ["amount", "remaining_amount", "due_date", "since", "remaining_terms", "merchant", "description"]) {
    if (b[key] !== undefined && b[key] !== null) parts.push(key === "remaining_terms" ? `剩 ${b[key]} 期` : b[key]);
  }
  return parts.join(" ");
}

function renderTranscript(lines) {
  const list = $("transcript");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 30;
  list.replaceChildren();
  for (const line of lines) {
    const item = el("li", line.speaker);
    if (line.speaker === "system") {
      item.textContent = line.event === "pause" ? "—— 机器人暂停，等待人工 ——" : "—— 机器人恢复应答 ——";
    } else {
      const who = { user: "用户", bot: "机器人", agent: `客服 ${line.agent_name || ""}` }[line.speaker];
      item.append(el("span", "who", who), document.createTextNode(line.text));
    }
    list.append(item);
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

async function act(path, body) {
  $("action-error").textContent = "";
  const { ok, data } = await api(`/tickets/${state.selected}${path}`, body || {});
  if (!ok) $("action-error").textContent = data.error === "invalid_transition" ? "当前状态不能这样操作，请刷新后重试。" : "操作失败，请重试。";
  await refresh();
  return ok;
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  const { ok, status, data } = await api("/login", { login: $("login-name").value, password: $("login-password").value });
  if (ok) showConsole(data);
  else if (status === 429) $("login-error").textContent = data.detail || "登录尝试次数过多，请稍后再试。";
  else $("login-error").textContent = "账号或密码不对。";
});
$("logout-btn").addEventListener("click", async () => { await api("/logout", {}); showLogin(); });
$("claim-btn").addEventListener("click", () => act("/claim"));
$("handback-btn").addEventListener("click", () => act("/handback"));
$("close-btn").addEventListener("click", () => act("/close"));
$("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("reply-text").value.trim();
  if (text && (await act("/reply", { text }))) $("reply-text").value = "";
});
$("note-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("note-text").value.trim();
  if (text && (await act("/note", { text }))) $("note-text").value = "";
});

(async () => {
  const { ok, data } = await api("/me");
  if (ok) showConsole(data); else showLogin();
})();
