/* Idle sign-out warning: counts down from the last page load (or the last "Stay signed in"), shows a
   warning two minutes before the session ends, and signs out (to the sign-in page) when it has. */
(function () {
  "use strict";
  var holder = document.getElementById("session-timeout");
  if (!holder) { return; }
  var idle = parseInt(holder.getAttribute("data-idle-seconds"), 10) || 1800;
  var warnAt = parseInt(holder.getAttribute("data-warn-seconds"), 10) || 120;
  var deadline = Date.now() + idle * 1000;
  var banner = null;

  function text(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function showBanner(left) {
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "session-timeout-warning";
      banner.className = "alert alert-warning";
      banner.setAttribute("role", "alert");
      banner.style.cssText = "position:fixed;bottom:1em;right:1em;z-index:2000;max-width:28em";
      var message = document.createElement("span");
      message.className = "session-timeout-message";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-primary";
      button.style.marginLeft = "1em";
      button.textContent = holder.getAttribute("data-stay");
      button.addEventListener("click", stay);
      banner.appendChild(message);
      banner.appendChild(button);
      document.body.appendChild(banner);
    }
    banner.querySelector(".session-timeout-message").textContent =
      holder.getAttribute("data-warning").replace("{time}", text(left));
  }

  function stay() {
    fetch(holder.getAttribute("data-ping-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (response.ok) {
          deadline = Date.now() + idle * 1000;
          if (banner) { banner.remove(); banner = null; }
        } else {
          ended();
        }
      });
  }

  function ended() {
    // Sign out here too: a page opened now would count as activity and keep the session alive.
    window.location.assign(holder.getAttribute("data-logout-url"));
  }

  setInterval(function () {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 0) { ended(); } else if (left <= warnAt) { showBanner(left); }
  }, 1000);
})();
