// Passerelle dashboard, Mini App sign-in: Telegram puts the signed init data
// in the address's fragment (tgWebAppData); the server checks it and opens a
// session, then the dashboard is shown. Nothing else runs in the page.
(function () {
  "use strict";
  var init = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData") || "";
  history.replaceState(null, "", location.pathname);
  var body = new URLSearchParams();
  body.set("init", init);
  fetch("/app/signin", { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
    if (r.ok) {
      location.replace("/");
      return;
    }
    document.getElementById("status").hidden = true;
    document.getElementById("failed").hidden = false;
  });
})();
