/* Behaviours every page may use, wired from data attributes: the Content-Security-Policy lets no inline
   script or on* handler run (portal/security.py).
   - <select data-autosubmit>: choosing an option submits its form (language, acting organisation).
   - <form data-confirm="question">: the browser asks before the form is submitted. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
