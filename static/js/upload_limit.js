// The size limit of a document, checked in the browser before the form is sent: a file over the
// limit would be refused whole by the server (a page of its own), and what was typed in the same
// form would have to be typed again. The server checks every upload anyway; this only spares the trip.
(function () {
  "use strict";
  function check(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var file = input.files && input.files[0];
    var message = document.getElementById(input.id + "_size");
    var tooLarge = Boolean(file && limit && file.size > limit);
    if (message) {
      message.textContent = tooLarge ? input.getAttribute("data-too-large") : "";
      message.hidden = !tooLarge;
    }
    input.setAttribute("aria-invalid", tooLarge ? "true" : "false");
    return !tooLarge;
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { check(input); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!check(input)) {
          event.preventDefault();
          input.focus();
        }
      });
    }
  });
})();
