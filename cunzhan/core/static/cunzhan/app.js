/* Behaviour every page may ask for with a data- attribute. It lives here, not in onchange="" or an
   inline <script>: the Content-Security-Policy runs only scripts served by the app as files. */
(function () {
  "use strict";

  // <select data-submit-on-change>: choosing an option sends its form (the language switch at the foot)
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) { field.form.submit(); }
  });

  // <table class="table-cards">: on a phone each row is a card (app.css); a cell shows its column's name,
  // its data-label, which a page may give and which is otherwise taken from the table's header
  document.querySelectorAll("table.table-cards").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && heads[column] && cell.colSpan === 1) {
          cell.setAttribute("data-label", heads[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  });

  // <form data-confirm="question">: sent only once the user confirms (deleting a ledger row)
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });

  // <button data-print>: opens the print dialog (the account slips after an import)
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
