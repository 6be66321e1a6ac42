// Before the session ends for inactivity (requests_app.middleware.SessionPolicyMiddleware), warn the
// person and offer to stay logged in, so that a long form is not lost to a log-out it never saw
// coming; once it has ended, say so with a way to log in again. The server decides anyway: this
// only tells the person in time.
(function () {
  "use strict";
  var warning = document.getElementById("session-warning");
  var ended = document.getElementById("session-ended");
  var form = document.getElementById("keep-alive-form");
  if (!warning || !ended || !form) {
    return;
  }
  var MAX_LEAD_SECONDS = 300;
  var timers = [];

  function schedule(secondsLeft) {
    timers.forEach(clearTimeout);
    warning.hidden = true;
    ended.hidden = true;
    var lead = Math.min(MAX_LEAD_SECONDS, Math.floor(secondsLeft / 2));
    timers = [
      setTimeout(function () { warning.hidden = false; }, (secondsLeft - lead) * 1000),
      setTimeout(showEnded, (secondsLeft + 1) * 1000),
    ];
  }

  function showEnded() {
    timers.forEach(clearTimeout);
    warning.hidden = true;
    ended.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.logged_in) {
          schedule(answer.seconds_left);
        } else {
          showEnded();
        }
      })
      .catch(function () { /* the network: the warning stays, the person may try again */ });
  });

  schedule(parseInt(warning.getAttribute("data-seconds-left"), 10) || 0);
})();
