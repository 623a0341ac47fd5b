/* Record care on a tablet: pick a resident, tap an entry, done. Every entry goes into a queue kept in
   this browser (localStorage) with the time it was made and its own idempotency key, and is sent to
   the care REST API from there, so nothing is lost when the Wi-Fi drops: waiting entries are sent
   when the connection returns, and an entry the server already has (sent twice) is saved once.

   One entry the server refuses (a value to confirm, a value out of range, no permission) is kept
   and shown with the reason; the others are still sent. The queue belongs to the user who made the
   entries: another user signed in on the same tablet does not send them.

   Page contract (templates/care/entry.html): #care-entry with data-user, data-csrf, data-token-url,
   data-urls (JSON: entry, vitals, note); #care-entry-text (JSON strings, translated on the server);
   .care-resident buttons (data-resident-id, data-name); .care-tap buttons (data-kind, data-code,
   data-value, data-value-text, data-label, data-text-from, data-extra-from, data-routine-key);
   .care-chip groups (data-group, data-value); form.care-form (data-kind). */
(function () {
  "use strict";

  var root = document.getElementById("care-entry");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("care-entry-text").textContent);
  var urls = JSON.parse(root.getAttribute("data-urls"));
  var user = root.getAttribute("data-user");
  var csrf = root.getAttribute("data-csrf");
  var STORE = "wcn-care-queue-v1";
  var RETRY_MS = 30000;
  var sending = false;
  var signedOut = false;        // the session ended: entries wait until the user signs in again
  var current = null;           // {id, name}
  var sent = [];                // this page's sent entries, newest first (labels only)

  // -- the queue (localStorage) ----------------------------------------------------------------

  function load() {
    try {
      var data = JSON.parse(window.localStorage.getItem(STORE) || "[]");
      return Array.isArray(data) ? data : [];
    } catch (e) {
      return [];
    }
  }

  function save(queue) {
    window.localStorage.setItem(STORE, JSON.stringify(queue));
  }

  function mine(entry) { return entry.user === user; }

  function update(key, changes) {
    var queue = load();
    queue.forEach(function (entry) {
      if (entry.key === key) { Object.keys(changes).forEach(function (k) { entry[k] = changes[k]; }); }
    });
    save(queue);
  }

  function remove(key) {
    save(load().filter(function (entry) { return entry.key !== key; }));
  }

  function find(key) {
    return load().filter(function (entry) { return entry.key === key; })[0] || null;
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try { return window.crypto.randomUUID(); } catch (e) { /* not a secure context: below */ }
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function say(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, name) {
      return values && values[name] !== undefined ? values[name] : m;
    });
  }

  // -- making an entry ---------------------------------------------------------------------------

  function record(kind, body, label) {
    if (!current) {
      toast(T.pick_resident, "warning");
      return;
    }
    var key = uuid();
    var now = new Date().toISOString();
    var payload = {resident_id: current.id, idempotency_key: key};
    payload[kind === "note" ? "occurred_at" : "observed_at"] = now;
    Object.keys(body).forEach(function (k) { payload[k] = body[k]; });
    var queue = load();
    queue.push({key: key, user: user, kind: kind, body: payload, label: label, who: current.name,
                made_at: now, state: "waiting", message: "", field: ""});
    save(queue);
    toast(say(T.recorded, {what: label, who: current.name}), "success");
    render();
    flush();
  }

  // -- sending -----------------------------------------------------------------------------------

  function headers() {
    return {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf};
  }

  function refreshToken() {
    return fetch(root.getAttribute("data-token-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.csrf_token) { csrf = data.csrf_token; return true; } return false; })
      .catch(function () { return false; });
  }

  function post(entry) {
    return fetch(urls[entry.kind], {method: "POST", credentials: "same-origin", headers: headers(),
                                    body: JSON.stringify(entry.body)});
  }

  async function sendOne(entry, retried) {
    var response;
    try {
      response = await post(entry);
    } catch (e) {
      return "offline";
    }
    if (response.redirected && /\/login/.test(response.url)) { return "signed-out"; }
    if (response.status === 200 || response.status === 201) {
      var result = null;
      try { result = await response.json(); } catch (e) { result = null; }
      remove(entry.key);
      var extra = "";
      if (result && result.news2 && result.news2.total !== undefined) {
        extra = say(T.news2_result, {total: result.news2.total, band: result.news2.band_label || result.news2.band || ""});
      }
      sent.unshift({label: entry.label, who: entry.who, made_at: entry.made_at, extra: extra});
      sent = sent.slice(0, 8);
      return "sent";
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    var message = data && (data.message || data.msg);
    if (typeof message === "object" && message !== null) { message = JSON.stringify(message); }
    if (response.status === 401) { return "signed-out"; }
    if (response.status === 400 && !retried && message && /CSRF/.test(message)) {
      if (await refreshToken()) { return sendOne(entry, true); }
      return "signed-out";
    }
    if (response.status === 422 && data && data.needs_confirmation) {
      update(entry.key, {state: "confirm", message: message || "", field: data.field || ""});
      return "confirm";
    }
    if (response.status >= 500 || response.status === 429) {
      update(entry.key, {message: say(T.server_error, {status: response.status}), field: ""});
      return "later";
    }
    update(entry.key, {state: "failed", message: message || say(T.refused, {status: response.status}),
                       field: (data && data.field) || ""});
    return "failed";
  }

  async function sendAll() {
    // Oldest first; an entry made while this runs is sent in the same pass; each entry once per pass.
    var tried = {};
    var problem = "";
    var later = false;
    for (;;) {
      var entry = load().filter(function (e) { return mine(e) && e.state === "waiting" && !tried[e.key]; })[0];
      if (!entry) { break; }
      tried[entry.key] = true;
      var outcome = await sendOne(entry, false);
      render();
      if (outcome === "offline") { problem = "offline"; break; }
      if (outcome === "signed-out") { problem = "signed-out"; break; }
      if (outcome === "later") { later = true; }
    }
    return {problem: problem, later: later};
  }

  var retryTimer = null;

  function flush() {
    if (sending) { return Promise.resolve(); }
    if (!load().some(function (e) { return mine(e) && e.state === "waiting"; })) { render(); return Promise.resolve(); }
    if (navigator.onLine === false) { render(); return Promise.resolve(); }
    sending = true;
    render();
    var run = function () { return sendAll(); };
    var done = (navigator.locks && navigator.locks.request) ? navigator.locks.request("wcn-care-queue", run) : run();
    return Promise.resolve(done).then(function (result) {
      sending = false;
      signedOut = result && result.problem === "signed-out";
      render();
      if (result && (result.problem || result.later)) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(flush, RETRY_MS);
      }
    }, function () {
      sending = false;
      render();
    });
  }

  // -- showing the queue -------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function time(iso) {
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function button(text, className, handler) {
    var b = el("button", "btn " + className, text);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function render() {
    var queue = load();
    var waiting = queue.filter(function (e) { return mine(e) && e.state === "waiting"; });
    var attention = queue.filter(function (e) { return mine(e) && e.state !== "waiting"; });
    var others = queue.filter(function (e) { return !mine(e); });
    var count = document.getElementById("care-queue-count");
    count.setAttribute("data-count", String(waiting.length));
    count.textContent = waiting.length ? say(T.waiting, {n: waiting.length}) : T.all_sent;
    count.className = "care-queue-count " + (waiting.length ? "label label-warning" : "label label-success");
    var status = document.getElementById("care-connection");
    var offline = navigator.onLine === false;
    status.textContent = offline ? T.offline : (signedOut ? T.signed_out : (sending ? T.sending : T.online));
    status.className = "care-connection " + (offline || signedOut ? "text-danger" : "text-muted");
    document.getElementById("care-send-now").hidden = !waiting.length || offline;

    var list = document.getElementById("care-queue-list");
    list.textContent = "";
    attention.forEach(function (entry) {
      var item = el("li", "care-queue-item care-" + entry.state);
      item.setAttribute("data-key", entry.key);
      item.appendChild(el("strong", "", entry.label + " · " + entry.who + " · " + time(entry.made_at)));
      var named = entry.field && entry.field !== "value" && T.fields && T.fields[entry.field];
      var reason = el("div", "care-queue-reason", (named ? named + ": " : "") + (entry.message || ""));
      if (entry.field) { reason.setAttribute("data-field", entry.field); }
      item.appendChild(reason);
      var actions = el("div", "care-queue-actions");
      if (entry.state === "confirm") {
        actions.appendChild(button(T.confirm, "btn-warning care-do-confirm", function () {
          var e = find(entry.key);
          if (!e) { return; }
          e.body.confirm = true;
          update(entry.key, {body: e.body, state: "waiting", message: ""});
          flush();
        }));
      } else {
        actions.appendChild(button(T.try_again, "btn-default care-do-retry", function () {
          update(entry.key, {state: "waiting", message: ""});
          flush();
        }));
      }
      actions.appendChild(button(T.discard, "btn-link care-do-discard", function () {
        remove(entry.key);
        render();
      }));
      item.appendChild(actions);
      list.appendChild(item);
    });
    waiting.forEach(function (entry) {
      var item = el("li", "care-queue-item care-waiting");
      item.setAttribute("data-key", entry.key);
      item.appendChild(el("span", "", entry.label + " · " + entry.who + " · " + time(entry.made_at)));
      if (entry.message) { item.appendChild(el("div", "care-queue-reason text-muted", entry.message)); }
      list.appendChild(item);
    });
    sent.forEach(function (entry) {
      var item = el("li", "care-queue-item care-sent");
      item.appendChild(el("span", "fa fa-check text-success"));
      item.appendChild(el("span", "", " " + entry.label + " · " + entry.who + " · " + time(entry.made_at) +
        (entry.extra ? " · " + entry.extra : "")));
      list.appendChild(item);
    });
    var other = document.getElementById("care-queue-others");
    other.hidden = !others.length;
    other.textContent = others.length ? say(T.others_waiting, {n: others.length}) : "";
  }

  var toastTimer = null;

  function toast(text, kind) {
    var box = document.getElementById("care-toast");
    box.textContent = text;
    box.className = "care-toast alert alert-" + (kind || "info");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 4000);
  }

  // -- the screen --------------------------------------------------------------------------------

  function choose(id, name, scroll) {
    current = {id: id, name: name};
    Array.prototype.forEach.call(document.querySelectorAll(".care-resident"), function (b) {
      var on = b.getAttribute("data-resident-id") === String(id);
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var panel = document.getElementById("care-charts");
    panel.hidden = false;
    document.getElementById("care-who").textContent = name;
    var url = new URL(window.location.href);
    url.searchParams.set("resident", id);
    window.history.replaceState(null, "", url.toString());
    if (scroll && panel.scrollIntoView) { panel.scrollIntoView({block: "start"}); }
  }

  function showTab(name) {
    Array.prototype.forEach.call(document.querySelectorAll(".care-tab"), function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    Array.prototype.forEach.call(document.querySelectorAll(".care-pane"), function (p) {
      p.hidden = p.getAttribute("data-pane") !== name;
    });
  }

  function chosen(group) {
    var on = document.querySelector('.care-chip.active[data-group="' + group + '"]');
    return on ? {value: on.getAttribute("data-value"), label: on.getAttribute("data-label") || on.textContent.trim()} : null;
  }

  function number(text) {
    var n = Number(String(text).replace(",", "."));
    return text === "" || isNaN(n) ? text : n;
  }

  function tap(b) {
    var kind = b.getAttribute("data-kind");
    var label = b.getAttribute("data-label") || b.textContent.trim();
    var body = {};
    if (kind === "note") {
      body.routine_key = b.getAttribute("data-routine-key");
    } else {
      body.code = b.getAttribute("data-code");
      if (b.hasAttribute("data-value")) { body.value = number(b.getAttribute("data-value")); }
      if (b.hasAttribute("data-value-text")) { body.value_text = b.getAttribute("data-value-text"); }
      var from = b.getAttribute("data-text-from");
      if (from) {
        var pick = chosen(from);
        if (!pick) { toast(T.pick_first, "warning"); return; }
        body.value_text = pick.value;
        label = pick.label + ": " + label;
      }
      var extraFrom = b.getAttribute("data-extra-from");
      if (extraFrom) {
        var extra = chosen(extraFrom);
        if (extra) {
          body.extra = {};
          body.extra[extraFrom] = extra.value;
          label = label + " (" + extra.label + ")";
        }
      }
    }
    b.disabled = true;  // a double tap is one entry
    setTimeout(function () { b.disabled = false; }, 900);
    record(kind, body, label);
  }

  function submitForm(form) {
    var kind = form.getAttribute("data-kind");
    var body = {};
    var values = {};
    var labels = [];
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.disabled) { return; }
      var value;
      if (input.type === "checkbox") {
        if (input.getAttribute("data-list")) {
          if (input.checked) {
            body[input.getAttribute("data-list")] = (body[input.getAttribute("data-list")] || []).concat([input.value]);
          }
          return;
        }
        value = input.checked ? 1 : 0;
      } else {
        value = input.getAttribute("data-number") ? number(input.value.trim()) : input.value.trim();
        if (value === "") { return; }
      }
      if (input.getAttribute("data-in") === "values") { values[input.name] = value; } else { body[input.name] = value; }
      if (input.getAttribute("data-show") && value !== "") {
        labels.push(say(input.getAttribute("data-show"), {value: value}));
      }
    });
    if (Object.keys(values).length) { body.values = values; }
    var label = form.getAttribute("data-label") + (labels.length ? ": " + labels.join(", ") : "");
    record(kind, body, label.trim());
    form.reset();
  }

  root.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target || !root.contains(target)) { return; }
    if (target.classList.contains("care-resident")) {
      choose(Number(target.getAttribute("data-resident-id")), target.getAttribute("data-name"), true);
    } else if (target.classList.contains("care-tab")) {
      showTab(target.getAttribute("data-tab"));
    } else if (target.classList.contains("care-chip")) {
      var group = target.getAttribute("data-group");
      Array.prototype.forEach.call(document.querySelectorAll('.care-chip[data-group="' + group + '"]'), function (c) {
        var on = c === target;
        c.classList.toggle("active", on);
        c.setAttribute("aria-pressed", on ? "true" : "false");
      });
    } else if (target.classList.contains("care-tap")) {
      tap(target);
    } else if (target.id === "care-send-now") {
      flush();
    } else if (target.id === "care-change-resident") {
      document.getElementById("care-residents").scrollIntoView({block: "start"});
    }
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("care-form")) { return; }
    event.preventDefault();
    submitForm(form);
  });

  var unitPicker = document.getElementById("care-unit");
  if (unitPicker) {
    unitPicker.addEventListener("change", function () {
      unitPicker.form.submit();
    });
  }

  // The meal chip that fits the time of day is chosen to start with (one tap fewer).
  (function () {
    var h = new Date().getHours() + new Date().getMinutes() / 60;
    var meal = h < 10.5 ? "breakfast" : h < 14.5 ? "lunch" : h < 17.5 ? "tea" : h < 20.5 ? "supper" : "snack";
    var chip = document.querySelector('.care-chip[data-group="meal"][data-value="' + meal + '"]');
    if (chip) { chip.click(); }
  })();

  // Recording here is activity: the page is not reloaded between entries, so when the idle sign-out
  // warning (session_timeout.js) appears after someone has tapped since the last warning, they are
  // kept signed in; a tablet left untouched for the whole idle time is still signed out.
  var tappedSinceWarning = false;
  root.addEventListener("pointerdown", function () { tappedSinceWarning = true; });
  root.addEventListener("keydown", function () { tappedSinceWarning = true; });
  if (window.MutationObserver) {
    new MutationObserver(function () {
      var warning = document.getElementById("session-timeout-warning");
      if (warning && tappedSinceWarning && navigator.onLine !== false) {
        var stay = warning.querySelector("button");
        if (stay) { tappedSinceWarning = false; stay.click(); }
      }
    }).observe(document.body, {childList: true});
  }

  window.addEventListener("online", function () { signedOut = false; flush(); });
  window.addEventListener("offline", render);
  window.addEventListener("storage", function (event) { if (event.key === STORE) { render(); } });
  setInterval(function () { if (!sending) { flush(); } }, RETRY_MS);

  var preset = root.getAttribute("data-resident");
  if (preset) {
    var b = document.querySelector('.care-resident[data-resident-id="' + preset + '"]');
    if (b) { choose(Number(preset), b.getAttribute("data-name"), true); }
  }
  showTab(root.getAttribute("data-tab") || "fluids");
  render();
  flush();
}());
