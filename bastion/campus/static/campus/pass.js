// The pass page: a fresh signed code every 30 seconds, and the seconds left on this one.
(function () {
  "use strict";
  const root = document.getElementById("pass");
  if (!root) return;
  let expires = Number(root.dataset.expires);
  const left = document.getElementById("pass-left");
  async function refresh() {
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) return;
      const data = await response.json();
      document.getElementById("pass-qr").innerHTML = data.svg;
      document.getElementById("pass-code").value = data.code;
      document.getElementById("pass-reason").textContent = data.reason;
      root.className = "pass colour-" + data.colour;
      expires = data.expires;
    } catch (e) { /* offline: the code on screen expires and says so */ }
  }
  function tick() {
    const s = Math.max(0, Math.round(expires - Date.now() / 1000));
    left.textContent = s > 0 ? "(" + s + " s)" : "⟳";
    if (s < 35) refresh();
  }
  setInterval(tick, 1000);
  tick();
})();
