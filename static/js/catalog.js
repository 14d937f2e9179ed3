// Progressive enhancement for the catalog filters. Without JavaScript, "Apply" submits them.
// - A tier box or the sort menu changed with a pointer (mouse, touch) applies at once. Changed
//   from the keyboard it never does (WCAG 3.2.2): Space, arrow keys and Tab just change the
//   control, and "Apply" (or Enter) submits.
// - After the page reloads, focus returns to the control that applied the filters.
(function () {
  "use strict";
  var form = document.getElementById("catalog-filters");
  if (!form) { return; }
  var KEY = "catalog-filters-focus";
  var byPointer = false;

  function describe(element) {
    if (!element || (!form.contains(element) && element.form !== form)) { return null; }
    if (element.id) { return "#" + element.id; }
    if (element.name) { return 'input[name="' + element.name + '"][value="' + element.value + '"]'; }
    return null;
  }

  function restoreFocus() {
    var selector = null;
    try { selector = window.sessionStorage.getItem(KEY); window.sessionStorage.removeItem(KEY); } catch (e) { return; }
    var element = selector && (form.querySelector(selector) || document.querySelector(selector));
    if (!element) { return; }
    var disclosure = element.closest("details");
    if (disclosure) { disclosure.open = true; }
    element.focus();
  }

  function remember(element) {
    var selector = describe(element);
    try { if (selector) { window.sessionStorage.setItem(KEY, selector); } } catch (e) { /* focus stays default */ }
  }

  form.addEventListener("pointerdown", function () { byPointer = true; });
  form.addEventListener("keydown", function () { byPointer = false; });
  // The search box sits outside the form (in sight on a phone) but submits it.
  var search = document.getElementById("catalog-q");
  if (search && search.form === form) {
    search.addEventListener("keydown", function () { byPointer = false; });
  }
  form.addEventListener("submit", function () { remember(document.activeElement); });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (byPointer && target && (target.name === "tier" || target.name === "sort")) {
      remember(target);
      form.submit();
    }
  });
  restoreFocus();
})();
