// Standard texts: picking one in a proposal form appends it to the field it fills, where the
// analyst edits it. Without JavaScript, the "Use" button posts the form and the page comes back
// with the text inserted; with it, the button is not needed and hides.
(function () {
  "use strict";
  // Several partials of one page may each include this file: bind the selects only once.
  if (window.lawreqCannedTexts) {
    return;
  }
  window.lawreqCannedTexts = true;
  function insert(select) {
    var option = select.options[select.selectedIndex];
    var target = document.getElementById(select.getAttribute("data-fills"));
    if (!option || !option.value || !target) {
      return;
    }
    var body = option.getAttribute("data-body") || "";
    target.value = target.value.trim() ? target.value.replace(/\s+$/, "") + "\n" + body : body;
    target.focus();
    select.selectedIndex = 0;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-fills]");
    Array.prototype.forEach.call(selects, function (select) {
      select.addEventListener("change", function () {
        insert(select);
      });
      var button = select.parentNode.querySelector("button[name=use_canned]");
      if (button) {
        button.hidden = true;
      }
    });
  });
})();
