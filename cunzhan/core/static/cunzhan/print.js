/* Loaded by the print views only (?print=1): the print dialog opens once the page has loaded. */
window.addEventListener("load", function () { window.print(); });
