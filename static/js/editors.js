// The dashboard's structured editors, progressive enhancement only: without this file every
// input posts by name and the server composes the JSON (app/web/dashboard/editors/).
// With it: the form and the Advanced JSON follow each other as you type (the server composes,
// through the same code, at /editors), row buttons act in place, raw JSON gets line numbers and
// a Format button, and each dependency row lists the versions its range matches.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // --- the raw JSON text areas: line numbers and Format -----------------------------------------
  function lineNumbers(area) {
    var wrap = document.createElement("div");
    wrap.className = "code-editor";
    var gutter = document.createElement("div");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(wrap, area);
    wrap.appendChild(gutter);
    wrap.appendChild(area);
    area.setAttribute("wrap", "off");
    var painted = 0;
    function paint() {
      var count = area.value.split("\n").length;
      if (painted === count) { return; }
      painted = count;
      var text = [];
      for (var i = 1; i <= count; i++) { text.push(i); }
      gutter.textContent = text.join("\n");
    }
    area.addEventListener("input", paint);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    area.addEventListener("editors:replaced", paint);
    paint();
    var status = document.createElement("span");
    status.className = "hint format-status";
    status.setAttribute("role", "status");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small button-secondary format-button";
    button.textContent = "Format";
    button.setAttribute("aria-describedby", area.id);
    button.addEventListener("click", function () {
      try {
        area.value = JSON.stringify(JSON.parse(area.value), null, 2);
        status.textContent = "Formatted.";
        area.dispatchEvent(new Event("input", { bubbles: true }));
      } catch (error) {
        status.textContent = "Not valid JSON yet: " + error.message;
      }
    });
    var bar = document.createElement("div");
    bar.className = "code-toolbar";
    bar.appendChild(button);
    bar.appendChild(status);
    wrap.parentNode.insertBefore(bar, wrap);
  }
  document.querySelectorAll("textarea.code").forEach(lineNumbers);

  var form = document.getElementById("integration-form");
  if (!form || !form.getAttribute("data-editors-url")) { return; }
  var url = form.getAttribute("data-editors-url");
  var versionsUrl = form.getAttribute("data-versions-url");

  function section(name) { return form.querySelector("[data-document='" + name + "']"); }
  function rawArea(name) { return form.querySelector("textarea[name='" + name + "']"); }
  function hidden(name, suffix) { return form.querySelector("input[name='" + name + suffix + "']"); }
  function setSource(name, value) {
    var source = section(name).querySelector("input[data-source]");
    if (source) { source.value = value; }
  }
  function refreshPreview() { form.dispatchEvent(new CustomEvent("preview:refresh")); }

  // --- show the inputs for the chosen types at once ------------------------------------------
  function showTypes(root) {
    root.querySelectorAll("select[data-var-type]").forEach(function (select) {
      var card = select.closest(".row-card");
      card.querySelectorAll("[data-types]").forEach(function (box) {
        box.hidden = box.getAttribute("data-types").split(" ").indexOf(select.value) === -1;
      });
    });
    var auth = root.querySelector("#auth-type");
    if (auth) {
      root.querySelectorAll("[data-auth-type]").forEach(function (box) {
        box.hidden = box.getAttribute("data-auth-type") !== auth.value;
      });
      var secret = document.getElementById("client-secret-section");
      if (secret && !document.getElementById("clear_client_secret")) { secret.hidden = auth.value !== "oauth2"; }
    }
  }

  // --- one round trip through the server's editors ---------------------------------------------
  var sequence = {};
  var timers = {};
  function sync(name, mode, op) {
    var body = new FormData(form);
    body.delete("op");
    if (op) { body.append("op", op); }
    var mine = sequence[name] = (sequence[name] || 0) + 1;
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || mine !== sequence[name]) { return; }
        var doc = answer.documents[name];
        var area = rawArea(name);
        var structured = section(name).querySelector("[data-structured]");
        if (mode !== "raw" && !doc.invalid && !doc.conflict) {
          area.value = doc.raw;
          area.dispatchEvent(new Event("editors:replaced"));
        }
        if (mode !== "structured") {
          structured.innerHTML = doc.html;
          showTypes(structured);
        }
        if (!doc.conflict) { hidden(name, "_base").value = doc.base; }
        section(name).setAttribute("data-synced", String(mine));
        if (op && answer.focus) {
          var target = document.getElementById(answer.focus);
          if (target) { target.focus(); }
        }
        refreshPreview();
      })
      .catch(function () { /* the form still posts without this */ });
  }
  function later(name, mode) {
    window.clearTimeout(timers[name]);
    timers[name] = window.setTimeout(function () { sync(name, mode); }, 300);
  }

  ["manifest", "variables_schema", "auth_config"].forEach(function (name) {
    var box = section(name);
    if (!box) { return; }
    var structured = box.querySelector("[data-structured]");
    function structuredEdit(event) {
      if (event.target.matches("select[data-var-type], #auth-type")) { showTypes(structured); }
      setSource(name, "structured");
      later(name, "structured");
    }
    structured.addEventListener("input", structuredEdit);
    structured.addEventListener("change", structuredEdit);
    structured.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=op]");
      if (!button) { return; }
      event.preventDefault();
      setSource(name, "structured");
      window.clearTimeout(timers[name]);
      sync(name, "op", button.value);
    });
    rawArea(name).addEventListener("input", function () {
      setSource(name, "raw");
      later(name, "raw");
    });
    showTypes(structured);
  });

  // --- the dependency picker: versions a range matches, as you type ---------------------------
  var pickTimer = null;
  function chip(version) {
    var li = document.createElement("li");
    li.className = version.matches ? "match" : "no-match";
    li.textContent = version.version + (version.matches ? " ✓" : "");
    var sr = document.createElement("span");
    sr.className = "visually-hidden";
    sr.textContent = version.matches ? " (matches)" : " (does not match)";
    li.appendChild(sr);
    return li;
  }
  function hint(text) {
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = text;
    return p;
  }
  function pick(row) {
    var key = row.querySelector("[data-dependency-key]").value.trim();
    var range = row.querySelector("[data-dependency-range]").value.trim() || "*";
    var out = row.querySelector(".dependency-matches");
    if (!key) { out.replaceChildren(hint("Name an integration to see its versions.")); return; }
    fetch(versionsUrl + "?" + new URLSearchParams({ integration: key, range: range }), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 404) {
        out.replaceChildren(hint("No published integration " + key + " that you can see."));
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (found) {
      if (!found) { return; }
      if (found.rangeProblem) {
        out.replaceChildren(hint(found.name + ": the range does not parse (" + found.rangeProblem + ")."));
        return;
      }
      if (!found.versions.length) {
        out.replaceChildren(hint(found.name + " has no published version you can install."));
        return;
      }
      var summary = hint(found.name + ": ");
      var strong = document.createElement("strong");
      strong.textContent = found.best ? found.best : "no published version matches";
      if (found.best) { summary.appendChild(document.createTextNode("installers get ")); }
      summary.appendChild(strong);
      summary.appendChild(document.createTextNode("."));
      var list = document.createElement("ul");
      list.className = "version-chips";
      found.versions.slice(0, 12).forEach(function (v) { list.appendChild(chip(v)); });
      out.replaceChildren(summary, list);
    }).catch(function () { /* "Check the versions" still works */ });
  }
  form.addEventListener("input", function (event) {
    if (!event.target.matches("[data-dependency-key], [data-dependency-range]")) { return; }
    var row = event.target.closest("[data-dependency-row]");
    window.clearTimeout(pickTimer);
    pickTimer = window.setTimeout(function () { pick(row); }, 300);
  });
})();
