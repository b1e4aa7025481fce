// "Copy link" buttons: copy the named field's text and say so to screen readers.
document.addEventListener("click", async function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  const status = document.getElementById("copy-status");
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Copied.";
  } catch (error) {
    field.select();
    if (status) status.textContent = "Press Ctrl+C to copy.";
  }
});
