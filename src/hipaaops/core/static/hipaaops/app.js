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


  // A picture in a [data-zoom] frame: the buttons, the mouse wheel and dragging zoom and pan it.
  function zoomFrames() {
    document.querySelectorAll("[data-zoom]").forEach(function (frame) {
      var img = frame.querySelector("img");
      if (!img) return;
      var scale = 1, x = 0, y = 0, drag = null;
      function apply() { img.style.transform = "translate(" + x + "px," + y + "px) scale(" + scale + ")"; }
      function zoom(factor) { scale = Math.min(8, Math.max(0.5, scale * factor)); apply(); }
      frame.querySelectorAll("[data-zoom-by]").forEach(function (b) {
        b.addEventListener("click", function () {
          var f = parseFloat(b.dataset.zoomBy);
          if (f === 0) { scale = 1; x = 0; y = 0; apply(); } else { zoom(f); }
        });
      });
      var view = frame.querySelector(".zoom-view") || frame;
      view.addEventListener("wheel", function (e) { e.preventDefault(); zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15); }, { passive: false });
      view.addEventListener("pointerdown", function (e) { drag = { x: e.clientX - x, y: e.clientY - y }; view.setPointerCapture(e.pointerId); });
      view.addEventListener("pointermove", function (e) { if (drag) { x = e.clientX - drag.x; y = e.clientY - drag.y; apply(); } });
      view.addEventListener("pointerup", function () { drag = null; });
    });
  }

  ready(function () { idleTimer(); switcher(); copyButtons(); zoomFrames(); });
})();
