/* Form builder: drag a question within its section to reorder it (the ▲/▼ buttons do the same without
   JavaScript). The new order is posted as an ordinary form, so the server stays the authority. */
(function () {
  "use strict";
  var root = document.getElementById("formbuilder-edit");
  if (!root) { return; }
  var dragged = null;

  function postOrder(list) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = root.getAttribute("data-order-url");
    var keys = Array.prototype.map.call(list.querySelectorAll(":scope > .formbuilder-field"), function (li) {
      return li.getAttribute("data-key");
    });
    [["csrf_token", root.getAttribute("data-csrf")], ["section", list.getAttribute("data-section")],
     ["order", keys.join(",")]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".formbuilder-section"), function (list) {
    list.addEventListener("dragstart", function (event) {
      var item = event.target.closest(".formbuilder-field");
      if (!item || event.target.closest("details[open]")) { return; }
      dragged = item;
      item.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.getAttribute("data-key"));
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged || dragged.parentNode !== list) { return; }
      event.preventDefault();
      var over = event.target.closest(".formbuilder-field");
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      if (!dragged || dragged.parentNode !== list) { return; }
      event.preventDefault();
      dragged.classList.remove("dragging");
      dragged = null;
      postOrder(list);
    });
    list.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); dragged = null; }
    });
  });
})();
