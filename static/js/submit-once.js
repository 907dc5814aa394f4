/* Forms that carry a one-time idempotency_key (create forms) are sent once: a second click or Enter
   while the first request is on its way is ignored, and the buttons show that the form is being sent.
   The server gives the same answer to a repeated key anyway; this only spares the second request.
   Coming back to the page (back button, bfcache) makes the form usable again. */
(function () {
  "use strict";
  function guarded(form) {
    return form && form.querySelector && form.querySelector('input[name="idempotency_key"]');
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!guarded(form)) return;
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"], input[type="submit"]'), function (b) {
      b.setAttribute("aria-disabled", "true");
      b.classList.add("is-submitting");
    });
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll('form[data-submitting="1"]'), function (form) {
      delete form.dataset.submitting;
      Array.prototype.forEach.call(form.querySelectorAll(".is-submitting"), function (b) {
        b.removeAttribute("aria-disabled");
        b.classList.remove("is-submitting");
      });
    });
  });
})();
