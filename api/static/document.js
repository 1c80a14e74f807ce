// The document page's behaviour. The field form is re-rendered after each save (so the
// colours follow the corrections): handlers are attached to the document, not to it.
const fieldsForm = () => document.getElementById("fields");

// Focusing a field shows where on the page it was read.
document.addEventListener("focusin", e => {
  const label = e.target.closest && e.target.closest(".fields label[data-box]");
  if (!label) return;
  document.querySelectorAll(".field-box").forEach(b => b.hidden = true);
  const [x, y, w, h] = (label.dataset.box || "").split(",");
  const box = document.querySelector(`#page-${label.dataset.page} .field-box`);
  if (!box || !w) return;
  Object.assign(box.style, {left: x + "%", top: y + "%", width: w + "%", height: h + "%"});
  box.hidden = false;
  box.scrollIntoView({block: "center", behavior: "smooth"});
});

// The type follows the notation while the clerk has not chosen one (QĐ: Quyết định,
// NĐ-CP: Nghị định; no type code, or a subject "V/v ...": Công văn).
function typeFor(notation, subject, codes) {
  const [head, ...rest] = notation.trim().split("/");
  const tail = rest.join("/");
  if (!tail) return null;
  const parts = tail.split(/[-\/]/).filter(c => c && !/^\d+$/.test(c));
  if (head.includes("-")) parts.unshift(head.split("-").slice(1).join("-"));
  if (parts.length && codes[parts[0]]) return codes[parts[0]];
  if (parts.length || /^v\/v/i.test(subject.trim())) return "Công văn";
  return null;
}
document.addEventListener("input", e => {
  const form = fieldsForm();
  if (!form || !form.contains(e.target)) return;
  if (e.target.name !== "override_reason" && form.elements.override) form.elements.override.value = "0";
  const type = form.elements.type;
  if (e.target === type) type.dataset.auto = "0";
  if (e.target.name === "so_ky_hieu" && type && type.dataset.auto === "1") {
    const guess = typeFor(e.target.value, form.elements.subject?.value || "", JSON.parse(type.dataset.codes || "{}"));
    if (guess) type.value = guess;
  }
});

// An approval stopped: each field at fault says why; pressing Ctrl+Enter again
// approves with the reason shown (kept in the audit).
document.body.addEventListener("station:refused", e => {
  const body = e.detail || {};
  const form = fieldsForm();
  form?.querySelectorAll("label.problem").forEach(l => { l.classList.remove("problem"); l.querySelector(".why").hidden = true; });
  if (!body.problems || !form) return;
  for (const p of body.problems) {
    const label = form.querySelector(`label[data-field="${p.field}"]`);
    if (label) { label.classList.add("problem"); const why = label.querySelector(".why"); why.textContent = p.message; why.hidden = false; }
  }
  document.getElementById("override-problems").textContent = body.problems.map(p => `${p.label}: ${p.message}`).join(" · ");
  document.getElementById("override").hidden = false;
  form.elements.override.value = "1";
  if (!form.querySelector(`[name="${body.field}"]`)) form.elements.override_reason.focus();
});

// After a save the form is new: the caret goes back where the clerk was typing.
let typingIn = null;
document.body.addEventListener("htmx:beforeRequest", () => { typingIn = document.activeElement?.name || null; });
document.body.addEventListener("htmx:afterSettle", () => {
  if (typingIn && fieldsForm()?.elements[typingIn]) fieldsForm().elements[typingIn].focus();
});

// Page operations reload the page: the page column keeps its scroll position.
const pages = document.getElementById("pages");
const scrollKey = "scroll:" + location.pathname;
if (sessionStorage.getItem(scrollKey)) { pages.scrollTop = +sessionStorage.getItem(scrollKey); sessionStorage.removeItem(scrollKey); }
document.body.addEventListener("htmx:beforeRequest", e => {
  if (e.detail.elt.closest?.(".page-tools")) sessionStorage.setItem(scrollKey, pages.scrollTop);
});

function zoom(step) {
  const now = parseFloat(pages.style.getPropertyValue("--zoom")) || 1;
  const next = step === 0 ? 1 : Math.min(4, Math.max(0.5, now + step));
  pages.style.setProperty("--zoom", next);
  document.getElementById("zoom-level").textContent = Math.round(next * 100) + "%";
}
document.querySelectorAll("[data-zoom]").forEach(b => b.addEventListener("click", () => zoom(parseFloat(b.dataset.zoom))));
document.addEventListener("keydown", e => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (e.ctrlKey && e.key === "s") { e.preventDefault(); htmx.trigger("#fields", "submit"); }
  else if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); document.querySelector("button.approve")?.click(); }
  else if (e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); document.getElementById("next")?.click(); }
  else if (!typing && !e.ctrlKey && !e.altKey && (e.key === "+" || e.key === "=")) zoom(0.25);
  else if (!typing && !e.ctrlKey && !e.altKey && e.key === "-") zoom(-0.25);
  else if (!typing && !e.ctrlKey && !e.altKey && e.key === "0") zoom(0);
});

// Suggestions for names (issuers, places, units): typed without marks or in part,
// "quang ngai" offers "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI". ↓/↑ choose, Enter or Tab takes.
const fold = s => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
let suggest = null;  // {input, list, items, at}
function closeSuggest() { suggest?.list.remove(); suggest = null; }
document.addEventListener("input", e => {
  const input = e.target;
  if (!input.dataset || !input.dataset.suggest) return;
  closeSuggest();
  const words = fold(input.value).split(/\s+/).filter(Boolean);
  if (!words.length) return;
  const options = [...(document.getElementById(input.dataset.suggest)?.options || [])].map(o => o.value);
  const items = options.filter(o => words.every(w => fold(o).includes(w))).slice(0, 6);
  if (!items.length || (items.length === 1 && items[0] === input.value)) return;
  const list = document.createElement("ul");
  list.className = "suggest";
  list.setAttribute("role", "listbox");
  items.forEach((text, i) => {
    const li = document.createElement("li");
    li.textContent = text;
    li.setAttribute("role", "option");
    li.addEventListener("mousedown", ev => { ev.preventDefault(); take(i); });
    list.appendChild(li);
  });
  input.insertAdjacentElement("afterend", list);
  suggest = {input, list, items, at: 0};
  mark();
});
function mark() { [...suggest.list.children].forEach((li, i) => li.classList.toggle("at", i === suggest.at)); }
function take(i) {
  const {input, items} = suggest;
  input.value = items[i];
  closeSuggest();
  input.dispatchEvent(new Event("change", {bubbles: true}));
}
document.addEventListener("keydown", e => {
  if (!suggest || e.target !== suggest.input || e.ctrlKey || e.altKey) return;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    suggest.at = (suggest.at + (e.key === "ArrowDown" ? 1 : suggest.items.length - 1)) % suggest.items.length;
    mark();
  } else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); take(suggest.at); }
  else if (e.key === "Escape") closeSuggest();
}, true);
document.addEventListener("focusout", e => { if (suggest && e.target === suggest.input) closeSuggest(); });

// The caret starts in the first field that needs the clerk (red or unread): no
// tabbing through the toolbar on every document. A page where all is green waits for
// Ctrl+Enter.
document.querySelector("#fields label.conf-low [name]:not([readonly]):not([disabled])")?.focus({preventScroll: true});
