// Keyward console: the few things the browser must do itself. Every page
// works without this script, except these conveniences.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // SP-initiated SAML sign-in: the identity provider's response is posted
  // again from Keyward's own page, so that the sign-in request's cookie
  // goes with it. Without this script the page's button does the same.
  const resume = document.getElementById("saml-resume");
  if (resume) resume.submit();

  // Users table: visible columns, chosen in Preferences, remembered here.
  const table = document.getElementById("users");
  const dialog = document.getElementById("preferences-dialog");
  const gear = document.getElementById("preferences");
  if (table && dialog && gear) {
    const boxes = [...dialog.querySelectorAll('input[name="col"]')];
    let shown = null;
    try { shown = JSON.parse(localStorage.getItem("keyward.users.columns")); } catch (e) { shown = null; }
    if (Array.isArray(shown)) boxes.forEach(b => { b.checked = shown.includes(b.value); });
    const apply = () => {
      const on = new Set(boxes.filter(b => b.checked).map(b => b.value));
      table.querySelectorAll("[data-col]").forEach(cell => cell.classList.toggle("col-hidden", !on.has(cell.dataset.col)));
    };
    apply();
    gear.addEventListener("click", () => dialog.showModal());
    dialog.addEventListener("close", () => {
      localStorage.setItem("keyward.users.columns", JSON.stringify(boxes.filter(b => b.checked).map(b => b.value)));
      apply();
    });
  }

  // Retrieve access keys: Show the secret, and ask before leaving unsaved.
  const show = document.getElementById("show-secret");
  if (show) {
    const secret = document.getElementById("secret");
    const mask = document.getElementById("secret-mask");
    show.addEventListener("click", () => {
      const hidden = secret.hidden;
      secret.hidden = !hidden;
      mask.hidden = hidden;
      show.textContent = hidden ? "Hide" : "Show";
    });
    const retrieve = document.getElementById("retrieve");
    const saved = () => { retrieve.dataset.unsaved = "false"; };
    document.getElementById("download-csv").addEventListener("click", saved);
    document.getElementById("done").addEventListener("click", (e) => {
      if (retrieve.dataset.unsaved === "true" && !confirm("You have not downloaded the secret access key. It cannot be retrieved later. Leave anyway?")) {
        e.preventDefault();
        return;
      }
      saved();
    });
    window.addEventListener("beforeunload", (e) => {
      if (retrieve.dataset.unsaved === "true") { e.preventDefault(); e.returnValue = ""; }
    });
  }

  // Copy buttons: the value of the element named by data-copy.
  document.querySelectorAll("button[data-copy]").forEach(button => {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      let copied = false;
      try {
        await navigator.clipboard.writeText(text);
        copied = true;
      } catch (e) {
        // Without the clipboard API (plain HTTP, some browsers): select
        // the text in a scratch field and copy that.
        const scratch = document.createElement("textarea");
        scratch.value = text;
        scratch.setAttribute("readonly", "");
        scratch.style.position = "fixed";
        scratch.style.opacity = "0";
        document.body.appendChild(scratch);
        scratch.select();
        try { copied = document.execCommand("copy"); } catch (e2) { copied = false; }
        scratch.remove();
      }
      const label = button.textContent;
      button.textContent = copied ? "Copied" : "Copy failed";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });

  // Confirmations by typing: the button stays disabled until the text matches.
  document.querySelectorAll("[data-must-equal]").forEach(input => {
    const button = document.getElementById(input.dataset.enables);
    const check = () => { button.disabled = input.value !== input.dataset.mustEqual; };
    input.addEventListener("input", check);
    check();
  });
});
