// Focusing a field shows where on the page it was read.
document.querySelectorAll(".fields label[data-box]").forEach(label => label.addEventListener("focusin", () => {
  document.querySelectorAll(".field-box").forEach(b => b.hidden = true);
  const [x, y, w, h] = (label.dataset.box || "").split(",");
  const box = document.querySelector(`#page-${label.dataset.page} .field-box`);
  if (!box || !w) return;
  Object.assign(box.style, {left: x + "%", top: y + "%", width: w + "%", height: h + "%"});
  box.hidden = false;
  box.scrollIntoView({block: "center", behavior: "smooth"});
}));
const pages = document.getElementById("pages");
function zoom(step) {
  const now = parseFloat(pages.style.getPropertyValue("--zoom")) || 1;
  const next = step === 0 ? 1 : Math.min(4, Math.max(0.5, now + step));
  pages.style.setProperty("--zoom", next);
  document.getElementById("zoom-level").textContent = Math.round(next * 100) + "%";
}
document.querySelectorAll("[data-zoom]").forEach(b => b.addEventListener("click", () => zoom(parseFloat(b.dataset.zoom))));
document.addEventListener("keydown", e => {
  const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (e.ctrlKey && e.key === "s") { e.preventDefault(); htmx.trigger("#fields", "submit"); }
  else if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); document.querySelector("button.approve")?.click(); }
  else if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); document.getElementById("next")?.click(); }
  else if (!typing && !e.ctrlKey && !e.altKey && (e.key === "+" || e.key === "=")) zoom(0.25);
  else if (!typing && !e.ctrlKey && !e.altKey && e.key === "-") zoom(-0.25);
  else if (!typing && !e.ctrlKey && !e.altKey && e.key === "0") zoom(0);
});
