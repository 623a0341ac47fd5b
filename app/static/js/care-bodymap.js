/* Body map: a click on the front or back figure fills the form's side, across and down (percent
   of the figure) and the region it falls in, and shows the chosen point. Without this script the
   same fields are typed and chosen by hand. */
(function () {
  "use strict";
  var data = document.getElementById("bodymap-regions");
  var form = document.getElementById("bodymap-form");
  if (!data || !form) { return; }
  var regions = JSON.parse(data.textContent);

  function regionAt(side, x, y) {
    var boxes = regions[side] || [], best = null, bestDistance = Infinity;
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i].box;
      if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]) { return boxes[i].code; }
      var dx = Math.max(b[0] - x, 0, x - b[2]), dy = Math.max(b[1] - y, 0, y - b[3]);
      if (dx * dx + dy * dy < bestDistance) { bestDistance = dx * dx + dy * dy; best = boxes[i].code; }
    }
    return best;
  }

  function hidePicks() {
    var picks = document.querySelectorAll(".bodymap-pick");
    for (var i = 0; i < picks.length; i++) { picks[i].setAttribute("cx", -20); picks[i].setAttribute("cy", -20); }
  }

  var svgs = document.querySelectorAll("svg.bodymap-clickable");
  for (var i = 0; i < svgs.length; i++) {
    svgs[i].addEventListener("click", function (event) {
      var svg = event.currentTarget, rect = svg.getBoundingClientRect();
      var x = Math.min(100, Math.max(0, (event.clientX - rect.left) / rect.width * 100));
      var y = Math.min(100, Math.max(0, (event.clientY - rect.top) / rect.height * 100));
      var side = svg.getAttribute("data-side");
      form.elements.side.value = side;
      form.elements.x.value = x.toFixed(1);
      form.elements.y.value = y.toFixed(1);
      form.elements.region.value = regionAt(side, x, y) || "";
      hidePicks();
      var pick = svg.querySelector(".bodymap-pick");
      pick.setAttribute("cx", x * 2);
      pick.setAttribute("cy", y * 4);
    });
  }
})();
