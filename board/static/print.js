// The print view's "Print" button (a static file: the pages allow no inline script).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
