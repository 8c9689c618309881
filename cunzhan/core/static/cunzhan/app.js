/* Behaviour every page may ask for with a data- attribute. It lives here, not in onchange="" or an
   inline <script>: the Content-Security-Policy runs only scripts served by the app as files. */
(function () {
  "use strict";

  // <select data-submit-on-change>: choosing an option sends its form (the language switch at the foot)
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) { field.form.submit(); }
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
