/* Due-date calculator: answers from the public API without a page reload.
   Without JavaScript the form is a plain GET to the calculator page, which answers server-side. */
(function () {
  "use strict";

  var form = document.getElementById("due-date-form");
  if (!form) { return; }
  var startInput = document.getElementById("due-start");
  var numberInput = document.getElementById("due-n");
  var modeSelect = document.getElementById("due-mode");
  var result = document.getElementById("due-result");
  var formErrors = document.getElementById("due-form-errors");
  var language = form.dataset.language || document.documentElement.lang || "zh-hans";

  // API error keys -> the input whose message slot shows them.
  var FIELD_FOR = { start: startInput, working_days: numberInput, calendar_days: numberInput };

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function weekday(isoDate) {
    var parts = isoDate.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    try {
      return new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" }).format(day);
    } catch (e) {
      return "";
    }
  }

  function timeNode(isoDate) {
    var node = el("time", isoDate + " (" + weekday(isoDate) + ")");
    node.setAttribute("datetime", isoDate);
    return node;
  }

  function clearErrors() {
    formErrors.textContent = "";
    [startInput, numberInput, modeSelect].forEach(function (input) {
      input.closest(".field").classList.remove("has-error");
      input.removeAttribute("aria-invalid");
      document.getElementById(input.id + "-error").textContent = "";
    });
  }

  function showErrors(body) {
    var errors = (body && body.errors) || {};
    var shown = false;
    Object.keys(errors).forEach(function (name) {
      var input = FIELD_FOR[name];
      var messages = errors[name].join(" ");
      if (input) {
        var slot = document.getElementById(input.id + "-error");
        // working_days and calendar_days may carry the same message; show it once.
        if (slot.textContent.indexOf(messages) === -1) {
          slot.textContent = (slot.textContent + " " + messages).trim();
        }
        input.closest(".field").classList.add("has-error");
        input.setAttribute("aria-invalid", "true");
      } else {
        formErrors.appendChild(el("p", messages));
      }
      shown = true;
    });
    if (!shown) { formErrors.appendChild(el("p", (body && body.message) || form.dataset.msgFailed)); }
  }

  function showResult(data) {
    result.textContent = "";
    var due = el("p", null, "due-date");
    due.appendChild(el("strong", form.dataset.labelDue + ":"));
    due.appendChild(document.createTextNode(" "));
    due.appendChild(timeNode(data.due_date));
    if (data.provisional) {
      due.appendChild(document.createTextNode(" "));
      due.appendChild(el("strong", form.dataset.labelProvisional, "warn"));
    }
    result.appendChild(due);
    (data.warnings || []).forEach(function (warning) { result.appendChild(el("p", warning, "warn")); });
    if (data.skipped.length) {
      result.appendChild(el("p", form.dataset.labelSkipped + ":"));
      var list = el("ul", null, "due-skipped");
      data.skipped.forEach(function (item) {
        var li = el("li");
        li.appendChild(timeNode(item.date));
        li.appendChild(document.createTextNode(" " + item.reason));
        list.appendChild(li);
      });
      result.appendChild(list);
    } else {
      result.appendChild(el("p", form.dataset.labelNoneSkipped));
    }
    result.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var params = new URLSearchParams();
    params.set("start", startInput.value);
    params.set(modeSelect.value === "calendar_days" ? "calendar_days" : "working_days", numberInput.value);
    fetch(form.dataset.apiUrl + "?" + params.toString(), {
      headers: { "Accept": "application/json", "Accept-Language": language },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          showResult(answer.body);
        } else {
          result.hidden = true;
          showErrors(answer.body);
        }
      })
      .catch(function () {
        result.hidden = true;
        formErrors.appendChild(el("p", form.dataset.msgFailed));
      });
  });
})();
