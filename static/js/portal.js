/* Behaviours every page may use, wired from data attributes: the Content-Security-Policy lets no inline
   script or on* handler run (portal/security.py).
   - <select data-autosubmit>: choosing an option submits its form (language, acting organisation).
   - <form data-confirm="question">: the browser asks before the form is submitted.
   - .topbar .menu-toggle: on a narrow screen the header's menu folds away behind this button (without
     script the button stays hidden and the menu simply wraps). */
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

  function setUpMenu() {
    var bar = document.querySelector(".topbar");
    var toggle = bar && bar.querySelector(".menu-toggle");
    if (!toggle) {
      return;
    }
    bar.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      var open = !bar.classList.contains("menu-open");
      bar.classList.toggle("menu-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpMenu);
  } else {
    setUpMenu();
  }
})();
