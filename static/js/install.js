// Progressive enhancement for the install wizard: a live, masked preview of the header an API key
// will be sent in. The page works without it (the server renders the masked preview after saving).
(function () {
  "use strict";
  function mask(value) {
    if (!value) { return "••••"; }
    return "••••" + (value.length > 8 ? value.slice(-4) : "");
  }
  document.querySelectorAll("input[data-header-preview]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-header-preview"));
    if (!target) { return; }
    input.addEventListener("input", function () {
      target.textContent = target.dataset.name + ": " + target.dataset.prefix + mask(input.value.trim());
    });
  });
})();
