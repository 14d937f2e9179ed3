// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Ask before destructive button-only forms (they still work without JS).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
