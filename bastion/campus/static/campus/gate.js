// The gate page: verify a pass offline with the public key (WebCrypto, ECDSA P-256), show
// the verdict at once, then ask the server, which decides with what it knows now and logs
// the attempt. Offline, the attempts wait in localStorage and are sent when the network is
// back. A handheld scanner types the code and Enter into the focused field; where the
// browser can read QR codes (BarcodeDetector), the camera button does it.
(function () {
  "use strict";
  const root = document.getElementById("gate");
  if (!root) return;
  const t = root.dataset;
  const jwk = JSON.parse(t.jwk);
  const form = document.getElementById("gate-form");
  const input = document.getElementById("gate-code");
  const gateName = document.getElementById("gate-name");
  const QUEUE = "bastion.gate.queue";
  const SEEN = "bastion.gate.seen";
  gateName.value = localStorage.getItem("bastion.gate.name") || "";
  gateName.addEventListener("change", () => localStorage.setItem("bastion.gate.name", gateName.value));

  let key = null;
  // WebCrypto exists only in a secure context (https, or this machine): without it the
  // device cannot verify offline, and says so rather than trusting an unchecked code.
  const keyReady = !(window.crypto && crypto.subtle) ? Promise.resolve() : crypto.subtle
    .importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
    .then((k) => { key = k; })
    .catch(() => { key = null; });

  function unb64(text) {
    let s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function seen() { try { return JSON.parse(localStorage.getItem(SEEN) || "{}"); } catch (e) { return {}; } }

  // The verdict the device reaches alone: {ok, reason, data}.
  async function verifyOffline(code) {
    const parts = code.trim().split(".");
    if (parts.length !== 3 || parts[0] !== "BP1") return { ok: false, reason: t.tNotPass };
    let data, signature;
    try {
      data = JSON.parse(new TextDecoder().decode(unb64(parts[1])));
      signature = unb64(parts[2]);
    } catch (e) { return { ok: false, reason: t.tDamaged }; }
    if (data.kid !== jwk.kid) return { ok: false, reason: t.tWrongKey, data };
    if (signature.length !== 64) return { ok: false, reason: t.tDamaged, data };
    await keyReady;
    if (!key) return { ok: false, reason: t.tNoCrypto, data };
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key,
      signature, new TextEncoder().encode(parts[1]));
    if (!valid) return { ok: false, reason: t.tForged, data };
    const now = Date.now() / 1000;
    if (now > data.expires + 5) return { ok: false, reason: t.tExpired, data };
    if (seen()[data.nonce]) return { ok: false, reason: t.tUsed, data };
    if (data.colour !== "green") return { ok: false, reason: data.reason || t.tRefuse, data };
    return { ok: true, reason: data.reason || "", data };
  }
  window.bastionGateVerify = verifyOffline; // for the benchmark and the browser test

  function show(admitted, who, reason, note) {
    const box = document.getElementById("gate-result");
    box.hidden = false;
    box.className = "gate-result " + (admitted === null ? "pending" : admitted ? "admit" : "refuse");
    document.getElementById("gate-verdict").textContent =
      admitted === null ? t.tChecking : admitted ? t.tAdmit : t.tRefuse;
    document.getElementById("gate-who").textContent = who || "";
    document.getElementById("gate-reason").textContent = reason || "";
    document.getElementById("gate-note").textContent = note || "";
  }
  function direction() { return form.ownerDocument.querySelector("input[name=direction]:checked").value; }
  function csrf() { const m = document.cookie.match(/csrftoken=([^;]+)/); return m ? m[1] : ""; }
  async function ask(entry) {
    const response = await fetch(t.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(entry),
    });
    return response.json();
  }
  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function showQueue() {
    const n = queue().length;
    document.getElementById("gate-queue").textContent = n ? "⏳ " + n : "";
  }
  async function flush() {
    let pending = queue();
    while (pending.length) {
      try { await ask(pending[0]); } catch (e) { break; }
      pending = pending.slice(1);
      localStorage.setItem(QUEUE, JSON.stringify(pending));
    }
    showQueue();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (!code) return;
    show(null, "", "", "");
    const local = await verifyOffline(code);
    const who = local.data ? local.data.name + " " + local.data.number : "";
    show(local.ok, who, local.reason, "");
    const entry = { code, direction: direction(), gate: gateName.value, offline_at: Date.now() / 1000 };
    try {
      const answer = await ask({ code, direction: entry.direction, gate: entry.gate });
      if (answer.detail) { show(false, who, answer.detail, ""); }
      else { show(answer.admitted, (answer.name + " " + answer.number).trim() || who, answer.reason, ""); }
      if (answer.admitted && local.data) {
        const s = seen(); s[local.data.nonce] = Date.now(); localStorage.setItem(SEEN, JSON.stringify(s));
      }
    } catch (e) {
      if (local.ok && local.data) {
        const s = seen(); s[local.data.nonce] = Date.now(); localStorage.setItem(SEEN, JSON.stringify(s));
      }
      localStorage.setItem(QUEUE, JSON.stringify(queue().concat([entry])));
      show(local.ok, who, local.reason, t.tOffline);
      showQueue();
    }
    input.focus();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  showQueue();

  // The camera, where the browser reads QR codes itself.
  if ("BarcodeDetector" in window) {
    const button = document.getElementById("gate-camera");
    const video = document.getElementById("gate-video");
    button.hidden = false;
    button.addEventListener("click", async () => {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream; video.hidden = false; await video.play();
      const scan = async () => {
        const found = await detector.detect(video).catch(() => []);
        if (found.length) {
          stream.getTracks().forEach((track) => track.stop()); video.hidden = true;
          input.value = found[0].rawValue; form.requestSubmit();
        } else { requestAnimationFrame(scan); }
      };
      scan();
    });
  }
})();
