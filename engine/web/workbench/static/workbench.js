// rexcheck workbench: the only script. Filters the rules as you type in the static catalogue
// (the served Rules page searches on the server and works without it).
(function () {
  var box = document.getElementById("filter");
  if (!box) return;
  var rules = Array.prototype.slice.call(document.querySelectorAll("[data-rule]"));
  var status = document.getElementById("filter-status");
  var para = /^(?:p\.?|п\.?)?\s*(\d+)((?:\(\d+\))*)$/i;
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase(), shown = 0, m = para.exec(q);
    rules.forEach(function (el) {
      var ok = !q;
      if (q && m) {
        var want = "p." + m[1] + m[2];
        ok = el.getAttribute("data-paragraphs").split(" ").some(function (p) {
          return p === want || (!m[2] && p.indexOf(want + "(") === 0);
        });
      } else if (q) {
        ok = q.split(/\s+/).every(function (w) { return el.textContent.toLowerCase().indexOf(w) >= 0; });
      }
      el.hidden = !ok;
      if (ok) shown++;
    });
    if (status) status.textContent = q ? shown + " / " + rules.length : "";
  });
})();
