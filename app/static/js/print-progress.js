/* A document being printed: its progress in place, then the download link (polls the job status JSON). */
(function () {
  "use strict";
  var box = document.getElementById("print-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var jobId = box.getAttribute("data-job-id");
  var text = box.querySelector(".print-progress-text");
  var bar = box.querySelector(".progress-bar");
  var link = box.querySelector(".print-progress-download");
  var tries = 0;

  function say(words, state) {
    text.textContent = words;
    box.setAttribute("data-state", state);
  }

  function show(job) {
    var progress = Math.max(5, Math.min(100, job.progress || 0));
    if (job.status === "finished" && job.download) {
      bar.style.width = "100%";
      bar.className = "progress-bar progress-bar-success";
      say(box.getAttribute("data-ready"), "ready");
      box.className = "alert alert-success";
      link.setAttribute("href", job.download);
      link.className = "print-progress-download btn btn-primary btn-sm";
      return true;
    }
    if (job.status === "failed") {
      bar.className = "progress-bar progress-bar-danger";
      say(box.getAttribute("data-failed") + (job.error ? " " + job.error : ""), "failed");
      box.className = "alert alert-danger";
      return true;
    }
    bar.style.width = progress + "%";
    say(box.getAttribute(job.status === "started" ? "data-working" : "data-waiting"), job.status);
    return false;
  }

  function poll() {
    tries += 1;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {jobs: []}; })
      .then(function (data) {
        var job = (data.jobs || []).filter(function (j) { return j.id === jobId; })[0];
        if (job && show(job)) { return; }
        if (tries < 400) { window.setTimeout(poll, tries < 10 ? 1000 : 3000); }
      })
      .catch(function () { if (tries < 400) { window.setTimeout(poll, 5000); } });
  }

  bar.style.width = "5%";
  poll();
})();
