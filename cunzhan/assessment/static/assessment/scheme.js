/* The scheme editor's what-if table: "只看有变化的服务站" hides the stations whose result stays the same.
   Listened for on the document, since htmx replaces the table after each check. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var toggle = event.target.closest("[data-toggle-rows]");
    if (!toggle) { return; }
    var table = document.getElementById(toggle.dataset.toggleRows);
    if (table) { table.classList.toggle("whatif-moved-only", toggle.checked); }
  });
})();
