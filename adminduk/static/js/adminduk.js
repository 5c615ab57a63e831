// The only script of the staff UI (CSP forbids inline script): small conveniences
// that the pages also work without.
document.addEventListener("DOMContentLoaded", function () {
  // The language select submits itself (the button is there for no-JS users).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("button");
    if (button) { button.hidden = true; }
  });
});
