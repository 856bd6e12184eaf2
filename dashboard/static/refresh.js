// The progress page's own updates: the element #refresh names the address
// to load again (data-url) and how often (data-every, seconds). The person
// can pause and resume them (WCAG 2.2.1); the choice lasts for the tab.
(function () {
  var el = document.getElementById("refresh");
  if (!el) return;
  var button = document.getElementById("refresh-toggle");
  var key = "passerelle-refresh-paused";
  var timer = null;
  function paused() { return sessionStorage.getItem(key) === "1"; }
  function show() {
    button.textContent = paused() ? button.dataset.resume : button.dataset.pause;
    button.setAttribute("aria-pressed", paused() ? "true" : "false");
  }
  function plan() {
    clearTimeout(timer);
    if (!paused()) {
      timer = setTimeout(function () { location.replace(el.dataset.url); }, Number(el.dataset.every) * 1000);
    }
  }
  el.hidden = false;
  button.hidden = false;
  button.addEventListener("click", function () {
    sessionStorage.setItem(key, paused() ? "0" : "1");
    show();
    plan();
  });
  show();
  plan();
})();
