// The dashboard's trend over the campaign: coverage as a line, abnormal and key-area people as
// bars. The figures come from the page's JSON (#trend-data), the series names from #trend's
// data- attributes (translated by the template). The tooltip is drawn in the canvas: an HTML
// one would carry style attributes, which the Content-Security-Policy refuses.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("trend");
  var source = document.getElementById("trend-data");
  if (!box || !source) return;
  var data = JSON.parse(source.textContent);
  var names = { coverage: box.dataset.coverage, abnormal: box.dataset.abnormal, keyArea: box.dataset.keyArea };
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { data: [names.coverage, names.abnormal, names.keyArea] },
    grid: { left: 40, right: 40, bottom: 30 },
    xAxis: { type: "category", data: data.days },
    yAxis: [{ type: "value", min: 0, max: 100, name: "%" }, { type: "value", minInterval: 1 }],
    series: [
      { name: names.coverage, type: "line", data: data.coverage, smooth: true },
      { name: names.abnormal, type: "bar", yAxisIndex: 1, data: data.abnormal },
      { name: names.keyArea, type: "bar", yAxisIndex: 1, data: data.key_area }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
