/* A form with data-confirm="question" asks the question before it is sent (the Content-Security-Policy
   allows no inline onsubmit handlers). Loaded on every page by base.html. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
