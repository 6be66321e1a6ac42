// The European order certificate's fields (#e-evidence) show only for a European Production or
// Preservation Order from an EU member state; the server sends them empty for any other request.
(function () {
  "use strict";
  var scope = document.getElementById("e-evidence-scope");
  var fieldset = document.getElementById("e-evidence");
  var form = document.getElementById("request-form");
  if (!scope || !fieldset || !form) {
    return;
  }
  var data = JSON.parse(scope.textContent || "{}");
  // The "enforcing authority was notified" box: a European Production Order only (never an EPOC-PR).
  var notified = document.getElementById("enforcing-notified");

  function update() {
    var jurisdiction = form.elements.jurisdiction ? form.elements.jurisdiction.value : "";
    var process = form.elements.process_type ? form.elements.process_type.value : "";
    fieldset.hidden = !(
      (data.jurisdictions || []).indexOf(jurisdiction) !== -1 && (data.process_types || []).indexOf(process) !== -1
    );
    if (notified) {
      notified.hidden = (data.notified_process_types || []).indexOf(process) === -1;
    }
  }

  form.addEventListener("change", update);
  update();
})();
