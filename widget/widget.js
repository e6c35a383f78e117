/*
 * Chat widget for the credit-account assistant (plain JS, no build step, no CDN).
 *
 * Embed with one script tag and a config object:
 *
 *   <script>window.CreditChatConfig = { token: "<JWT from your backend>" };</script>
 *   <script src="https://assistant.example/webhooks/socketio/widget/widget.js"></script>
 *
 * or call CreditChat.init({...}) after loading the script. Options:
 *   token       signed customer token (HS256 JWT: `sub` = customer id, `iss`, `aud` = the assistant,
 *               `iat`, `exp`; at most BOT_JWT_MAX_LIFETIME_SECONDS long, see the README's Identity section)
 *   getToken    function returning a Promise of a fresh token (preferred: called on every connect)
 *   server      Rasa server origin (default: where this script came from)
 *   title       header text (default 在线客服)
 *   container   element or selector to render into (default: floating launcher + panel)
 *   open        open the panel at once (floating mode)
 *   sessionId   development mode without a token only: the conversation (= demo customer) id
 *
 * Talks socket.io (vendored client 4.x, Engine.IO v4) to the project's socket
 * channel: `user_uttered` out; `bot_uttered`, `session_confirm`, `bot_turn_done` in.
 * History comes from GET <server>/webhooks/socketio/history with the same token.
 *
 * Handoff to a human: the bot's custom payload {"handoff": {"position", ...}} starts
 * the waiting state, the first message with sender "agent" means an agent joined,
 * {"sender": "system", "status": "queued", "position"} updates the place, and
 * {"sender": "system", "status": "bot_resumed"} (channels/live.py) ends it. The
 * history's "handoff" field restores the state after a reload. While a human has the
 * conversation the bot does not answer, so no typing indicator is shown.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var scriptBase = script ? script.src.replace(/[^/]*$/, "") : "";
  var TEXT = {
    title: "在线客服",
    placeholder: "请输入您的问题",
    send: "发送",
    inputLabel: "输入消息",
    log: "对话记录",
    typing: "正在输入…",
    offline: "网络已断开，正在重新连接…",
    online: "已连接",
    quickReplies: "快捷回复",
    open: "打开在线客服",
    close: "收起对话",
    you: "我",
    bot: "智能助手",
    agent: "人工客服",
    waitingNext: "正在为您转接人工客服，您是下一位",
    waitingAhead: function (n) { return "正在为您转接人工客服，前面还有 " + n + " 位"; },
    agentJoined: function (name) { return "人工客服" + (name ? " " + name : "") + " 已接入"; },
    download: "下载",
    authFallback: "暂时无法确认您的身份，请刷新页面或重新登录后再试。"
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.io) return resolve();
      var s = el("script", { src: src });
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function loadStyle(href) {
    if (document.querySelector('link[data-credit-chat]')) return;
    document.head.appendChild(el("link", { rel: "stylesheet", href: href, "data-credit-chat": "" }));
  }

  function clock(seconds) {
    var d = seconds ? new Date(seconds * 1000) : new Date();
    var hm = String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
    var today = new Date();
    if (d.toDateString() === today.toDateString()) return hm;
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  }

  // Text with bullet lines ("· ", "• ", "- ") becomes paragraphs and lists.
  function richText(text) {
    var box = el("div", { className: "cc-text" });
    var list = null;
    String(text || "").split("\n").forEach(function (line) {
      var bullet = /^\s*[·•\-]\s+(.*)$/.exec(line);
      if (bullet) {
        if (!list) { list = el("ul", { className: "cc-list" }); box.appendChild(list); }
        list.appendChild(el("li", { text: bullet[1] }));
      } else if (line.trim()) {
        list = null;
        box.appendChild(el("p", { text: line }));
      }
    });
    return box;
  }

  // Custom payload {"type": "list", "title": "...", "items": ["...", {"title", "detail"}]}.
  function customList(custom) {
    if (!custom || custom.type !== "list" || !Array.isArray(custom.items)) return null;
    var box = el("div", { className: "cc-text" });
    if (custom.title) box.appendChild(el("p", { text: custom.title }));
    var list = el("ul", { className: "cc-list" });
    custom.items.forEach(function (item) {
      if (typeof item === "string") { list.appendChild(el("li", { text: item })); return; }
      var li = el("li", {}, [el("span", { text: item.title || "" })]);
      if (item.detail) li.appendChild(el("span", { className: "cc-detail", text: " " + item.detail }));
      list.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  // Custom payload {"attachment": {"type": "file", "url", "name"}}: a download link (http(s) only).
  function attachment(custom) {
    var file = custom && custom.attachment;
    if (!file || file.type !== "file" || !/^https?:\/\//i.test(String(file.url || ""))) return null;
    var name = String(file.name || "");
    var link = el("a", { className: "cc-file", href: file.url, download: name, rel: "noopener" });
    link.appendChild(el("span", { className: "cc-file-icon", "aria-hidden": "true", text: "PDF" }));
    link.appendChild(el("span", { text: TEXT.download + " " + (name || file.url) }));
    return link;
  }

  function Widget(config) {
    this.config = config;
    this.server = (config.server || scriptBase.replace(/\/webhooks\/socketio\/widget\/$/, "")).replace(/\/$/, "");
    this.token = config.token || null;
    this.sessionId = null;
    this.composing = false;
    this.typingTimer = null;
    this.handoff = null;  // null, {state: "waiting", position} or {state: "agent", agent_name}
    this.build();
  }

  Widget.prototype.build = function () {
    var self = this;
    var titleId = "cc-title-" + Math.random().toString(36).slice(2, 8);
    this.log = el("div", { className: "cc-log", role: "log", "aria-live": "polite", "aria-label": TEXT.log, tabindex: "0" });
    this.offline = el("div", { className: "cc-offline", role: "status", "aria-live": "assertive", text: TEXT.offline });
    this.offline.hidden = true;
    // Handoff status: its own polite live region, so screen readers announce each change once.
    this.handoffLine = el("div", { className: "cc-handoff", role: "status", "aria-live": "polite" });
    this.handoffLine.hidden = true;
    this.typing = el("div", { className: "cc-typing", "aria-live": "polite" });
    this.typing.hidden = true;
    this.typing.appendChild(el("span", { className: "cc-dots", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]));
    this.typing.appendChild(el("span", { className: "cc-typing-text", text: TEXT.typing }));
    this.input = el("textarea", { className: "cc-input", rows: "1", maxlength: "500", placeholder: TEXT.placeholder, "aria-label": TEXT.inputLabel, enterkeyhint: "send" });
    this.sendButton = el("button", { type: "submit", className: "cc-send", text: TEXT.send });
    this.sendButton.disabled = true;  // until the session is confirmed
    var form = el("form", { className: "cc-form" }, [this.input, this.sendButton]);
    var header = el("header", { className: "cc-header" }, [el("h2", { id: titleId, className: "cc-title", text: this.config.title || TEXT.title })]);
    this.panel = el("section", { className: "cc-panel", role: "region", "aria-labelledby": titleId }, [header, this.offline, this.handoffLine, this.log, this.typing, form]);

    var host = typeof this.config.container === "string" ? document.querySelector(this.config.container) : this.config.container;
    if (host) {
      this.panel.classList.add("cc-inline");
      host.appendChild(this.panel);
    } else {
      this.buildFloating(header);
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); self.sendText(); });
    // Chinese IME: Enter that commits a composition must not send the half-typed text.
    this.input.addEventListener("compositionstart", function () { self.composing = true; });
    this.input.addEventListener("compositionend", function () { self.composing = false; });
    this.input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.shiftKey) return;
      if (self.composing || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      self.sendText();
    });
    window.addEventListener("offline", function () { self.setOnline(false); });
    window.addEventListener("online", function () {
      if (self.canSend()) {
        self.setOnline(true);
        self.loadHistory();  // what was said while offline, and the quick replies usable again
      } else if (self.socket) self.socket.connect();
    });
  };

  Widget.prototype.buildFloating = function (header) {
    var self = this;
    var key = "creditchat.open";
    this.panel.classList.add("cc-floating");
    this.launcher = el("button", { type: "button", className: "cc-launcher", "aria-expanded": "false", "aria-label": TEXT.open, text: TEXT.title });
    var close = el("button", { type: "button", className: "cc-close", "aria-label": TEXT.close, text: "×" });
    header.appendChild(close);
    document.body.appendChild(this.launcher);
    document.body.appendChild(this.panel);
    function show(open) {
      self.panel.hidden = !open;
      self.launcher.hidden = open;
      self.launcher.setAttribute("aria-expanded", String(open));
      try { sessionStorage.setItem(key, open ? "1" : ""); } catch (e) { /* storage disabled */ }
      if (open) { self.scrollDown(true); self.input.focus(); } else { self.launcher.focus(); }
    }
    this.launcher.addEventListener("click", function () { show(true); });
    close.addEventListener("click", function () { show(false); });
    this.panel.addEventListener("keydown", function (e) { if (e.key === "Escape") show(false); });
    var remembered = false;
    try { remembered = sessionStorage.getItem(key) === "1"; } catch (e) { /* storage disabled */ }
    show(Boolean(this.config.open) || remembered);
  };

  Widget.prototype.freshToken = function () {
    var self = this;
    if (typeof this.config.getToken !== "function") return Promise.resolve(this.token);
    return Promise.resolve(this.config.getToken()).then(function (t) { self.token = t; return t; }, function () { return self.token; });
  };

  Widget.prototype.connect = function () {
    var self = this;
    var socket = window.io(this.server, {
      path: "/socket.io",
      // Long-polling only: the websocket upgrade fails against Rasa 3.6's Sanic 21.12
      // with python-engineio 4.15 ("Invalid frame header"); polling works everywhere.
      transports: ["polling"],
      upgrade: false,
      reconnectionDelayMax: 5000,
      // called on every (re)connection, so a refreshed token is used
      auth: function (cb) { self.freshToken().then(function (t) { cb(t ? { token: t } : {}); }); }
    });
    this.socket = socket;
    socket.on("connect", function () {
      self.sessionConfirmed = false;
      socket.emit("session_request", { session_id: self.token ? null : self.devSession() });
    });
    // Sending opens only here, in the same task that asks for the transcript: a message
    // sent before would not be among those kept when the transcript redraws the log.
    socket.on("session_confirm", function (id) {
      self.sessionId = typeof id === "string" ? id : (id && id.session_id);
      self.sessionConfirmed = true;
      self.setOnline(true);
      self.loadHistory();
    });
    socket.on("disconnect", function (reason) {
      self.sessionConfirmed = false;
      self.setOnline(false);
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", function (err) {
      if (err && err.data && err.data.auth_error) {
        self.setOnline(true);
        self.addMessage({ sender: "system", text: err.data.text || TEXT.authFallback });
        self.input.disabled = true;
        self.sendButton.disabled = true;
      } else {
        self.setOnline(false);
      }
    });
    socket.on("bot_uttered", function (message) {
      if (message && message.auth_error && !message.text) message.text = TEXT.authFallback;
      self.addMessage(message || {});
    });
    socket.on("bot_turn_done", function () { self.showTyping(false); });
  };

  Widget.prototype.devSession = function () {
    if (this.config.sessionId) return this.config.sessionId;
    var key = "creditchat.session";
    var id = null;
    try { id = localStorage.getItem(key); } catch (e) { /* storage disabled */ }
    if (!id) {
      id = "web_" + Math.random().toString(36).slice(2, 12);
      try { localStorage.setItem(key, id); } catch (e) { /* storage disabled */ }
    }
    return id;
  };

  // Redraws the log from the server's transcript (on every (re)connection). The user may
  // be chatting meanwhile: messages shown while the request was out are kept (the
  // transcript may predate them) and the focused quick reply keeps the focus.
  Widget.prototype.loadHistory = function () {
    var self = this;
    var url = this.server + "/webhooks/socketio/history";
    var headers = {};
    if (this.token) headers.Authorization = "Bearer " + this.token;
    else url += "?session_id=" + encodeURIComponent(this.sessionId || "");
    var ticket = this.historyTicket = (this.historyTicket || 0) + 1;
    var live = this.liveDuringHistory = [];
    return fetch(url, { headers: headers }).then(function (r) { return r.json(); }).then(function (body) {
      if (ticket !== self.historyTicket) return;  // a later reconnection's request redraws
      self.liveDuringHistory = null;
      var messages = body.messages || [];
      var focus = self.focusedQuickReply();
      self.log.textContent = "";
      messages.forEach(function (m) { self.addMessage(m, true); });
      live.slice(overlap(messages, live)).forEach(function (m) { self.addMessage(m, true); });
      self.setHandoff(body.handoff || null);
      self.markOldButtons();
      self.restoreFocus(focus);
      self.scrollDown(true);
    }).catch(function () {  // offline: the next reconnection loads it again
      if (ticket === self.historyTicket) self.liveDuringHistory = null;
    });
  };

  // How many of the messages shown live already end the transcript (the request may
  // have been answered before or after the server stored them).
  function overlap(messages, live) {
    var key = function (m) { return (m.sender || "bot") + "\u0000" + (m.text || ""); };
    for (var k = Math.min(messages.length, live.length); k > 0; k--) {
      var same = true;
      for (var i = 0; i < k && same; i++) same = key(messages[messages.length - k + i]) === key(live[i]);
      if (same) return k;
    }
    return 0;
  }

  // null, or the index of the focused quick reply among the log's quick replies
  Widget.prototype.focusedQuickReply = function () {
    var buttons = Array.prototype.slice.call(this.log.querySelectorAll(".cc-quick"));
    var index = buttons.indexOf(document.activeElement);
    return index < 0 ? null : index;
  };

  Widget.prototype.restoreFocus = function (index) {
    if (index === null) return;
    var button = this.log.querySelectorAll(".cc-quick")[index];
    if (button && !button.disabled) button.focus({ preventScroll: true });
    else this.log.focus({ preventScroll: true });
  };

  Widget.prototype.setOnline = function (online) {
    this.offline.hidden = online;
    this.sendButton.disabled = !online;
    this.panel.classList.toggle("cc-is-offline", !online);
    // a click could not be sent: say so by disabling them (the redraw on reconnecting
    // enables the latest unanswered ones again)
    if (!online) this.log.querySelectorAll(".cc-quick").forEach(function (b) { b.disabled = true; });
  };

  Widget.prototype.setHandoff = function (state) {
    this.handoff = state && (state.state === "waiting" || state.state === "agent") ? state : null;
    var text = "";
    if (this.handoff && this.handoff.state === "agent") text = TEXT.agentJoined(this.handoff.agent_name);
    else if (this.handoff) {
      var ahead = Math.max((parseInt(this.handoff.position, 10) || 1) - 1, 0);
      text = ahead ? TEXT.waitingAhead(ahead) : TEXT.waitingNext;
    }
    if (this.handoffLine.textContent !== text) this.handoffLine.textContent = text;
    this.handoffLine.hidden = !text;
    this.handoffLine.classList.toggle("cc-handoff-agent", Boolean(this.handoff && this.handoff.state === "agent"));
    if (this.handoff) this.showTyping(false);
  };

  // Handoff signals among incoming messages; true when the message has nothing else to show.
  Widget.prototype.trackHandoff = function (message, fromHistory) {
    if (message.status === "bot_resumed") { if (!fromHistory) this.setHandoff(null); return true; }
    if (message.status === "queued") {  // a ticket ahead was served: the place now
      if (!(this.handoff && this.handoff.state === "agent")) this.setHandoff({ state: "waiting", position: message.position });
      return true;
    }
    var custom = message.custom;
    if (custom && custom.handoff) {
      if (!fromHistory) this.setHandoff({ state: "waiting", position: custom.handoff.position });
      return !message.text;
    }
    if (fromHistory) return false;  // the history's own "handoff" field says where things stand
    if (message.sender === "agent") {
      this.setHandoff({ state: "agent", agent_name: message.agent_name || "" });
    } else if (message.sender === "bot" && this.handoff && !message.auth_error) {
      this.setHandoff(null);  // the bot only speaks again once it has the conversation back
    }
    return false;
  };

  Widget.prototype.showTyping = function (on) {
    var self = this;
    clearTimeout(this.typingTimer);
    if (on && this.handoff) on = false;  // a paused bot never answers: nothing is "typing"
    this.typing.hidden = !on;
    if (on) {
      this.typingTimer = setTimeout(function () { self.typing.hidden = true; }, 20000);
      this.scrollDown(true);
    }
  };

  Widget.prototype.nearBottom = function () {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
  };

  Widget.prototype.scrollDown = function (force) {
    if (force || this.nearBottom()) this.log.scrollTop = this.log.scrollHeight;
  };

  // Rasa sends each blocker or bound service as its own "· ..." message: join
  // consecutive ones into the list of the bot bubble just before.
  Widget.prototype.appendToList = function (message) {
    var last = this.log.lastElementChild;
    var lines = String(message.text || "").split("\n").filter(function (l) { return l.trim(); });
    var bullets = lines.length && lines.every(function (l) { return /^\s*[·•\-]\s+/.test(l); });
    if (!bullets || message.buttons && message.buttons.length || message.custom) return false;
    if (!last || !last.classList.contains("cc-" + (message.sender || "bot")) || last.querySelector(".cc-buttons")) return false;
    var text = last.querySelector(".cc-text");
    if (!text) return false;
    var list = text.lastElementChild && text.lastElementChild.tagName === "UL" ? text.lastElementChild : null;
    if (!list) { list = el("ul", { className: "cc-list" }); text.appendChild(list); }
    lines.forEach(function (l) { list.appendChild(el("li", { text: l.replace(/^\s*[·•\-]\s+/, "") })); });
    return true;
  };

  Widget.prototype.addMessage = function (message, fromHistory) {
    var self = this;
    var sender = message.sender || "bot";
    var stick = this.nearBottom() || sender === "user";
    if (!fromHistory && this.liveDuringHistory && !message.status) this.liveDuringHistory.push(message);
    if (this.trackHandoff(message, fromHistory)) return;
    if (this.appendToList(message)) { if (!fromHistory) this.scrollDown(stick); return; }
    var item = el("div", { className: "cc-msg cc-" + sender });
    var label = sender === "agent" ? TEXT.agent + (message.agent_name ? " " + message.agent_name : "")
      : sender === "user" ? TEXT.you : sender === "bot" ? TEXT.bot : "";
    if (label) item.appendChild(el("div", { className: "cc-label", text: label }));
    var bubble = el("div", { className: "cc-bubble" });
    if (message.text) bubble.appendChild(richText(message.text));
    var list = customList(message.custom);
    if (list) bubble.appendChild(list);
    var file = attachment(message.custom);
    if (file) bubble.appendChild(file);
    if (!bubble.childNodes.length && !(message.buttons && message.buttons.length)) return;
    if (bubble.childNodes.length) item.appendChild(bubble);
    if (message.buttons && message.buttons.length) {
      var group = el("div", { className: "cc-buttons", role: "group", "aria-label": TEXT.quickReplies });
      message.buttons.forEach(function (b) {
        var button = el("button", { type: "button", className: "cc-quick", text: b.title || b.payload });
        button.addEventListener("click", function () {
          if (!self.canSend()) return;
          group.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          button.classList.add("cc-chosen");
          // the disabled button loses focus: keep it in the conversation (no phone keyboard pop-up)
          self.log.focus({ preventScroll: true });
          self.send(b.payload, b.title || b.payload);
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    item.appendChild(el("time", { className: "cc-time", text: clock(message.timestamp) }));
    this.log.appendChild(item);
    if (!fromHistory) this.scrollDown(stick);
  };

  // After a reload only the latest buttons stay usable, and only while the user has not
  // answered them: a bot turn may end with a bubble after its buttons (the buttons stay usable).
  Widget.prototype.markOldButtons = function () {
    var groups = Array.prototype.slice.call(this.log.querySelectorAll(".cc-buttons"));
    var latest = groups[groups.length - 1];
    var answered = false;
    if (latest) {
      for (var item = latest.parentNode.nextElementSibling; item; item = item.nextElementSibling) {
        if (item.classList.contains("cc-user")) answered = true;
      }
    }
    groups.forEach(function (g) {
      if (g !== latest || answered) g.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
    });
  };

  Widget.prototype.sendText = function () {
    var text = this.input.value.trim();
    if (!text || !this.canSend()) return;
    this.input.value = "";
    this.send(text, text);
  };

  Widget.prototype.canSend = function () {
    return Boolean(this.socket && this.socket.connected && this.sessionConfirmed);
  };

  Widget.prototype.send = function (message, display) {
    var self = this;
    this.addMessage({ sender: "user", text: display, timestamp: Date.now() / 1000 });
    this.showTyping(true);
    var data = { message: message, session_id: this.sessionId, metadata: { display_text: display } };
    this.freshToken().then(function (t) {
      if (t) data.token = t;
      self.socket.emit("user_uttered", data);
    });
  };

  var CreditChat = {
    init: function (config) {
      config = config || {};
      var base = config.server ? config.server.replace(/\/$/, "") + "/webhooks/socketio/widget/" : scriptBase;
      loadStyle(base + "widget.css");
      var widget = new Widget(config);
      loadScript(base + "socket.io.min.js").then(function () { widget.connect(); });
      return widget;
    }
  };
  window.CreditChat = CreditChat;
  if (window.CreditChatConfig) {
    var start = function () { CreditChat.init(window.CreditChatConfig); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})();
