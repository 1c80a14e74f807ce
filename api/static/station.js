// The pages' shared behaviour (served as a file: the CSP allows no inline script).
// A refused action says why, in the server's words, instead of doing nothing.
document.body.addEventListener("htmx:responseError", e => {
  let text = e.detail.xhr.responseText;
  try { text = JSON.parse(text).error || text; } catch (_) {}
  const flash = document.getElementById("flash");
  flash.textContent = text || ("Lỗi " + e.detail.xhr.status);
  flash.hidden = false;
});
document.body.addEventListener("htmx:beforeRequest", () => { document.getElementById("flash").hidden = true; });
// Selects that submit their form on change (the register's year).
document.querySelectorAll("select[data-autosubmit]").forEach(sel => sel.addEventListener("change", () => sel.form.submit()));
// The queue refreshes itself, but not while documents are ticked (a refresh would untick them).
document.body.addEventListener("htmx:beforeRequest", e => {
  if (e.detail.elt.id === "queue-live" && document.querySelector("#queue-live input:checked")) e.preventDefault();
});
