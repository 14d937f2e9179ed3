// Progressive enhancement for the catalog filters: apply a tier or sort change at once.
// Without JavaScript the "Apply" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("catalog-filters");
  if (!form) { return; }
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && (target.name === "tier" || target.name === "sort")) {
      form.submit();
    }
  });
})();
