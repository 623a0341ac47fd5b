/* The unit board refreshes itself: every minute it reads the board's JSON (GET, same origin, the
   session's cookie) and redraws the list of residents at risk with their reasons, each linking to the
   entry screen for that resident. When a refresh fails, the last list stays with a note saying so. */
(function () {
  "use strict";
  var root = document.getElementById("care-board");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("care-board-text").textContent);
  var every = (parseInt(root.getAttribute("data-every"), 10) || 60) * 1000;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function stamp(date) {
    return two(date.getDate()) + "/" + two(date.getMonth() + 1) + "/" + date.getFullYear() + " " +
      two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function entryUrl(line) {
    var url = new URL(line.entry_url || root.getAttribute("data-entry-url"), window.location.href);
    if (url.origin !== window.location.origin) { url = new URL(root.getAttribute("data-entry-url"), window.location.href); }
    if (!url.searchParams.get("resident")) { url.searchParams.set("resident", line.resident_id); }
    return url.pathname + url.search;
  }

  function draw(data) {
    var list = document.getElementById("care-board-list");
    list.textContent = "";
    (data.residents || []).forEach(function (line) {
      var item = el("li", "care-board-line");
      item.setAttribute("data-resident-id", line.resident_id);
      var who = el("div", "care-board-who");
      var link = el("a", "care-board-link");
      link.href = entryUrl(line);
      link.appendChild(el("strong", "", line.name));
      who.appendChild(link);
      who.appendChild(el("br"));
      var where = [line.room ? line.room : "", line.unit || ""].filter(Boolean).join(" · ");
      who.appendChild(el("small", "text-muted", where));
      item.appendChild(who);
      var reasons = el("div", "care-board-reasons");
      (line.reasons || []).forEach(function (r) {
        var high = r.severity === "high" || r.severity === "danger" || r.severity === 3;
        var badge = el("span", "label label-" + (high ? "danger" : "warning"), r.text);
        badge.setAttribute("data-code", r.code);
        reasons.appendChild(badge);
      });
      item.appendChild(reasons);
      list.appendChild(item);
    });
    document.getElementById("care-board-empty").hidden = (data.residents || []).length > 0;
    document.getElementById("care-board-updated").textContent = T.updated.replace("{time}", stamp(new Date()));
  }

  function refresh() {
    fetch(root.getAttribute("data-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(draw)
      .catch(function () {
        document.getElementById("care-board-updated").textContent = T.failed.replace("{time}", stamp(new Date()));
      });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
}());
