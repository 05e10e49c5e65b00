// The app's only script, allowed by its hash in the Content-Security-Policy:
// a "Copy" button for each field a button names in data-copy. Without it
// (or without a clipboard) the button stays hidden and the field is still
// there to select and copy by hand.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field || !status || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = button.dataset.done;
    } catch {
      field.select();
      status.textContent = button.dataset.failed;
    }
  });
}
