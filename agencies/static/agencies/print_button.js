// A button with data-print opens the browser's print dialog: a file of its own, since the Content Security Policy
// refuses inline handlers (onclick="…").
"use strict";
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
