// Publisher dashboard, progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Suggest a slug from the name until the publisher edits the slug themselves.
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
  }
  document.querySelectorAll("[data-slug-from]").forEach(function (slug) {
    var name = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!name) { return; }
    var touched = slug.value !== "" && slug.value !== slugify(name.value);
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    name.addEventListener("input", function () { if (!touched) { slug.value = slugify(name.value); } });
  });

  // Version suggestion buttons fill the version field.
  document.querySelectorAll("button[data-version]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = button.form && button.form.querySelector("input[name=version]");
      if (field) { field.value = button.getAttribute("data-version"); field.focus(); }
    });
  });

  // Live preview of the install wizard's variables form: the server renders it from the
  // text being typed (the same code as the wizard), we swap the HTML in.
  var form = document.getElementById("integration-form");
  var target = document.getElementById("variables-preview");
  if (!form || !target) { return; }
  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var sequence = 0;
  function refresh() {
    var body = new FormData();
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    body.append("manifest", form.querySelector("textarea[name=manifest]").value);
    body.append("variables_schema", form.querySelector("textarea[name=variables_schema]").value);
    var mine = ++sequence;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && mine === sequence) {
          target.innerHTML = html;
          target.setAttribute("data-updated", String(mine));
        }
      })
      .catch(function () { /* the Preview button still works */ });
  }
  form.addEventListener("preview:refresh", function () {  // the structured editors changed a document
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  ["manifest", "variables_schema"].forEach(function (name) {
    var area = form.querySelector("textarea[name=" + name + "]");
    if (!area) { return; }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    });
  });
})();
