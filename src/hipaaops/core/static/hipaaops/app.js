// hipaaops page behaviour: the idle-logoff warning, the organization switcher, copy buttons.
// No inline script anywhere: the Content Security Policy forbids it.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Automatic logoff (45 CFR 164.312(a)(2)(iii)): the server decides; this only warns in time.
  function idleTimer() {
    var body = document.body;
    var timeout = parseInt(body.dataset.idleTimeout || "0", 10);
    if (!timeout) return;
    var warning = Math.min(parseInt(body.dataset.idleWarning || "60", 10), timeout - 1);
    var dialog = document.getElementById("idle-warning");
    var countdown = dialog && dialog.querySelector("[data-idle-countdown]");
    var deadline = Date.now() + timeout * 1000;
    var ticker = null;

    function signOut() {
      var login = body.dataset.login + "?next=" + encodeURIComponent(window.location.pathname);
      fetch(body.dataset.sessionExpire, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), "X-Hipaaops-Idle-Check": "1" }
      }).finally(function () { window.location.assign(login); });
    }
    function refreshDeadline(secondsLeft) { deadline = Date.now() + secondsLeft * 1000; }
    function check() {
      var left = Math.round((deadline - Date.now()) / 1000);
      if (left > warning) return;
      // Another tab may have kept the session alive: ask the server before warning.
      fetch(body.dataset.sessionStatus, { headers: { "X-Hipaaops-Idle-Check": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (!data.authenticated || data.seconds_left <= 0) { signOut(); return; }
          refreshDeadline(data.seconds_left);
          if (data.seconds_left <= warning) showWarning();
        })
        .catch(function () {});
    }
    function showWarning() {
      if (!dialog || dialog.open) return;
      dialog.showModal();
      dialog.querySelector("[data-idle-stay]").focus();
      ticker = window.setInterval(function () {
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        if (countdown) countdown.textContent = String(left);
        if (left <= 0) { window.clearInterval(ticker); signOut(); }
      }, 1000);
    }
    if (dialog) {
      dialog.querySelector("[data-idle-stay]").addEventListener("click", function () {
        fetch(body.dataset.sessionKeepalive, {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
        }).then(function (r) { return r.json(); }).then(function (data) {
          if (!data.authenticated) { signOut(); return; }
          refreshDeadline(data.seconds_left);
          window.clearInterval(ticker);
          dialog.close();
        });
      });
      dialog.querySelector("[data-idle-leave]").addEventListener("click", function () {
        var form = document.querySelector("form[action='" + body.dataset.logout + "']");
        if (form) form.submit(); else signOut();
      });
    }
    document.addEventListener("htmx:afterRequest", function () { refreshDeadline(timeout); });
    window.setInterval(check, 5000);
  }

  function switcher() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.querySelector(button.dataset.copy);
        if (target && navigator.clipboard) {
          navigator.clipboard.writeText(target.textContent.trim()).then(function () { button.textContent = "Copied"; });
        }
      });
    });
  }

  ready(function () { idleTimer(); switcher(); copyButtons(); });
})();
