// The pages' shared behaviour (served as a file: the CSP allows no inline script).
// A refused action says why, in the server's words, focuses the field at fault, and
// tells the page (station:refused) so it can mark every field concerned.
document.body.addEventListener("htmx:responseError", e => {
  let text = e.detail.xhr.responseText, body = null;
  try { body = JSON.parse(text); text = body.error || text; } catch (_) {}
  const flash = document.getElementById("flash");
  flash.textContent = text || ("Lỗi " + e.detail.xhr.status);
  flash.hidden = false;
  if (body && body.field) document.querySelector(`[name="${body.field}"]`)?.focus();
  document.body.dispatchEvent(new CustomEvent("station:refused", {detail: body}));
});
document.body.addEventListener("htmx:beforeRequest", () => { document.getElementById("flash").hidden = true; });
// Selects that submit their form on change (the register's year).
document.querySelectorAll("select[data-autosubmit]").forEach(sel => sel.addEventListener("change", () => sel.form.submit()));
// The queue refreshes itself, but not while documents are ticked (a refresh would untick them).
document.body.addEventListener("htmx:beforeRequest", e => {
  if (e.detail.elt.id === "queue-live" && document.querySelector("#queue-live input:checked")) e.preventDefault();
});
// The approval banner counts down the undo's grace; then the document is on its way.
const undoLeft = document.getElementById("undo-left");
if (undoLeft) {
  let left = +undoLeft.textContent;
  const tick = setInterval(() => {
    left -= 1;
    undoLeft.textContent = Math.max(0, left);
    if (left <= 0) {
      clearInterval(tick);
      document.getElementById("undo").disabled = true;
      undoLeft.parentElement.textContent = "(đã chuyển ký số và gửi đi)";
    }
  }, 1000);
}
// The print view's button (no inline script).
document.getElementById("print")?.addEventListener("click", () => window.print());
