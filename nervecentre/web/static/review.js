// The review queue's keys: S, D, N decide; J, K move between pairs. Without this script the
// same buttons and links work as plain forms and links.
(function () {
  "use strict";
  function typing(target) {
    const tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    const key = event.key.toLowerCase();
    const hit = document.querySelector('[data-key="' + key + '"]');
    if (!hit || hit.disabled) {
      return;
    }
    event.preventDefault();
    if (hit.tagName === "BUTTON" && hit.form) {
      hit.form.requestSubmit(hit);
    } else {
      hit.click();
    }
  });
})();
