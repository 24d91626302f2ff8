/* Live progress of an analysis run or a study import.
   A static file (CSP: no inline script) that polls the JSON endpoint named by data-progress-url and
   moves the <progress> bar; when the job is done it loads data-done-url, which shows the result. */
(function () {
  "use strict";
  var INTERVAL_MS = 1000;

  function poll(block) {
    var bar = block.querySelector("[data-progress-bar]");
    var message = block.querySelector("[data-progress-message]");
    var percent = block.querySelector("[data-progress-percent]");
    var url = block.getAttribute("data-progress-url");
    var doneUrl = block.getAttribute("data-done-url");

    function show(state) {
      if (state.progress === null || state.progress === undefined) {
        bar.removeAttribute("value"); /* indeterminate: the work has no measurable steps */
        percent.textContent = "";
      } else {
        bar.value = state.progress;
        percent.textContent = state.progress + "%";
      }
      message.textContent = state.error ? state.message + ": " + state.error : state.message;
      bar.classList.toggle("failed", state.status === "FAILED" || state.status === "INVALID");
      bar.classList.toggle("done", state.status === "SUCCEEDED");
    }

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (state) {
          show(state);
          if (state.done) {
            block.setAttribute("data-finished", state.status);
            window.setTimeout(function () { window.location.assign(doneUrl || state.url); }, 600);
          } else {
            window.setTimeout(tick, INTERVAL_MS);
          }
        })
        .catch(function () {
          message.textContent = "Connection lost; retrying…";
          window.setTimeout(tick, INTERVAL_MS * 3);
        });
    }
    tick();
  }

  document.querySelectorAll("[data-progress-url]").forEach(poll);
})();
