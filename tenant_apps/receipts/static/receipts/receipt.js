// Shows the print button where printing is possible (the page works without this script).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("button.print");
  if (button && typeof window.print === "function") {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
