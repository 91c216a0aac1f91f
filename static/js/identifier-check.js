/*
 * Live identifier checks: every <input data-identifier="uscc|patent"> is checked against the public
 * identifier API while the user types (debounced), and the verdict is shown next to it.
 *
 * - The message goes into a <small> inserted after the input, or into the element named by
 *   data-identifier-result when the page provides one.
 * - data-identifier-kind-select names a <select> whose value switches the kind being checked.
 * - URLs and the few strings of our own come from data-* attributes of this script's tag
 *   (templates/identifiers/_script.html), so they follow the URLconf and the user's language; the
 *   API's messages arrive in the user's language too (same-origin cookie and Accept-Language).
 * - Listeners are delegated from the document, so inputs that htmx swaps in later are covered.
 * The server validates again on submit: this is a convenience, never the check of record.
 */
(function () {
  "use strict";
  if (window.portalIdentifierCheck) {
    return; // The partial may be included more than once on a page.
  }

  var DEBOUNCE_MS = 300;
  var script = document.currentScript;
  var config = (script && script.dataset) || {};
  var urls = {
    uscc: config.usccUrl || "/api/v1/public/identifiers/uscc/",
    patent: config.patentUrl || "/api/v1/public/identifiers/patent/"
  };
  var text = {
    valid: config.msgValid || "Valid",
    unavailable: config.msgUnavailable || ""
  };
  var states = new WeakMap();
  var generatedIds = 0;

  function stateOf(input) {
    var state = states.get(input);
    if (!state) {
      state = { timer: null, controller: null, sequence: 0, element: null };
      states.set(input, state);
    }
    return state;
  }

  function statusElement(input) {
    var targetId = input.dataset.identifierResult;
    if (targetId) {
      return document.getElementById(targetId);
    }
    var state = stateOf(input);
    if (!state.element) {
      var element = document.createElement("small");
      generatedIds += 1;
      element.id = (input.id || "identifier-input-" + generatedIds) + "-check";
      element.className = "identifier-status";
      element.setAttribute("aria-live", "polite");
      element.hidden = true;
      input.insertAdjacentElement("afterend", element);
      var describedBy = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", describedBy ? describedBy + " " + element.id : element.id);
      state.element = element;
    }
    return state.element;
  }

  // outcome: "valid", "invalid", "unavailable" or "" (nothing to say).
  function show(input, outcome, message) {
    var element = statusElement(input);
    if (!element) {
      return;
    }
    var isResultBox = Boolean(input.dataset.identifierResult);
    element.classList.remove("valid", "invalid", "ok", "error", "muted");
    if (isResultBox) {
      element.classList.add("result");
      if (outcome === "valid" || outcome === "invalid") {
        element.classList.add(outcome);
      }
    } else {
      element.classList.add({ valid: "ok", invalid: "error", unavailable: "muted" }[outcome] || "muted");
    }
    element.replaceChildren();
    if (message) {
      var paragraph = document.createElement(isResultBox ? "p" : "span");
      paragraph.textContent = message; // Never innerHTML: the message may echo what was typed.
      element.appendChild(paragraph);
    }
    element.hidden = !message;
    if (outcome === "valid" || outcome === "invalid") {
      input.setAttribute("aria-invalid", outcome === "invalid" ? "true" : "false");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function firstFieldError(body) {
    var errors = (body && body.errors) || {};
    var value = errors.value;
    if (value && value.length) {
      return value[0];
    }
    return (body && body.message) || text.unavailable;
  }

  function check(input) {
    var state = stateOf(input);
    var url = urls[input.dataset.identifier];
    var value = input.value;
    if (state.controller) {
      state.controller.abort();
      state.controller = null;
    }
    state.sequence += 1;
    if (!url || !value.trim()) {
      show(input, "", "");
      return;
    }
    var sequence = state.sequence;
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    state.controller = controller;
    fetch(url + "?value=" + encodeURIComponent(value), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        if (response.status !== 200 && response.status !== 400) {
          throw new Error("HTTP " + response.status); // 429 and outages: say the check is unavailable.
        }
        return response.json().then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (answer) {
        if (sequence !== state.sequence) {
          return; // The user typed on; a newer check is under way.
        }
        var body = answer.body;
        if (answer.status === 400) {
          show(input, "invalid", firstFieldError(body));
        } else if (body.valid) {
          show(input, "valid", "✓ " + text.valid + ": " + body.normalized);
        } else {
          show(input, "invalid", "✗ " + ((body.error && body.error.message) || ""));
        }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        if (sequence === state.sequence) {
          show(input, "unavailable", text.unavailable);
        }
      });
  }

  function schedule(input) {
    var state = stateOf(input);
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () {
      check(input);
    }, DEBOUNCE_MS);
  }

  function isIdentifierInput(element) {
    return element instanceof HTMLInputElement && element.hasAttribute("data-identifier");
  }

  document.addEventListener("input", function (event) {
    if (isIdentifierInput(event.target)) {
      schedule(event.target);
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.id) {
      return;
    }
    var inputs = document.querySelectorAll("input[data-identifier-kind-select]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.dataset.identifierKindSelect === select.id) {
        input.dataset.identifier = select.value;
        window.clearTimeout(stateOf(input).timer);
        check(input);
      }
    });
  });

  window.portalIdentifierCheck = { check: check };
})();
