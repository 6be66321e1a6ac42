// While the request form is filled: as soon as the legal process and the data asked are known, say
// which data that process cannot reach under the rules of the form's jurisdiction (the sentences come
// from the server, in the page: #unreachable-categories). The same warning follows "Create the draft";
// this only tells the officer before they send it. Another jurisdiction chosen: no warning until sent.
(function () {
  "use strict";
  var data = document.getElementById("unreachable-categories");
  var list = document.getElementById("category-reach");
  var form = document.getElementById("request-form");
  if (!data || !list || !form) {
    return;
  }
  var reach = JSON.parse(data.textContent || "{}");
  var processes = reach.processes || {};

  function update() {
    var jurisdiction = form.elements.jurisdiction ? form.elements.jurisdiction.value : "";
    var process = form.elements.process_type ? form.elements.process_type.value : "";
    var refused = jurisdiction === reach.jurisdiction ? processes[process] || {} : {};
    list.textContent = "";
    form.querySelectorAll("input[name=categories]:checked").forEach(function (box) {
      if (refused[box.value]) {
        var item = document.createElement("li");
        item.textContent = refused[box.value];
        list.appendChild(item);
      }
    });
    list.hidden = !list.firstChild;
  }

  form.addEventListener("change", update);
  update();
})();
