/* Behaviours every page may use, wired from data attributes: the Content-Security-Policy lets no inline
   script or on* handler run (portal/security.py).
   - <select data-autosubmit>: choosing an option submits its form (language, acting organisation).
   - <form data-confirm="question">: the browser asks before the form is submitted.
   - <form data-busy>: a long operation answered in the request itself (a file checked row by row) shows
     the form's hidden [data-busy-note] and disables its buttons once sent, so nobody sends it twice while
     waiting; coming back to the page (the back button) makes the form usable again.
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

  // Registered after the confirm handler: a cancelled confirmation leaves the form as it was.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || !form.matches("form[data-busy]")) {
      return;
    }
    setBusy(form, true);
  });

  function setBusy(form, busy) {
    var note = form.querySelector("[data-busy-note]");
    if (note) {
      note.hidden = !busy;
    }
    if (busy) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
    // Disabled after this turn: a button disabled during the submit event would drop its own name=value.
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = busy;
      });
    }, 0);
  }

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      setBusy(form, false);
    });
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
