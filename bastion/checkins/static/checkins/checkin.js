// Province → city → county: fill the next select from /api/v1/divisions?parent=<code>.
// Every `.where` block of the page is one picker (a trip has two: from and to).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".where").forEach((where) => picker(where));
});

function picker(where) {
  const url = where.dataset.divisions;
  const selects = [...where.querySelectorAll("select")];
  const fill = (select, items) => {
    select.length = 1; // keep the placeholder
    for (const d of items) select.add(new Option(d.name, d.code));
    select.hidden = items.length === 0;
  };
  selects.forEach((select, i) => {
    const next = selects[i + 1];
    if (!next) return;
    select.addEventListener("change", async () => {
      selects.slice(i + 1).forEach((s) => fill(s, []));
      if (!select.value) return;
      const answer = await fetch(`${url}?parent=${encodeURIComponent(select.value)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (answer.ok) fill(next, await answer.json());
    });
  });
  selects.slice(1).forEach((s) => { s.hidden = s.length <= 1; });
}
