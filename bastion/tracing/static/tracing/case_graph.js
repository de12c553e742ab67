// A case's chain of transmission as a force-directed graph, from the page's JSON (#graph-data).
// The tooltip is drawn in the canvas: an HTML one would carry style attributes, which the
// Content-Security-Policy refuses.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("graph");
  var source = document.getElementById("graph-data");
  if (!box || !source) return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { renderMode: "richText" },
    legend: [{ data: data.categories.map(function (c) { return c.name; }) }],
    series: [{
      type: "graph",
      layout: "force",
      roam: true,
      draggable: true,
      label: { show: true, position: "right" },
      edgeSymbol: ["none", "arrow"],
      edgeLabel: { show: true, formatter: function (p) { return p.data.value; }, fontSize: 10 },
      force: { repulsion: 160, edgeLength: 90 },
      categories: data.categories,
      data: data.nodes,
      links: data.links
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
