/* Draws every [data-chart] element from its JSON table with ECharts (served by the app itself). */
(function () {
  "use strict";
  var PALETTE = ["#198754", "#fd7e14", "#0d6efd", "#6f42c1", "#20c997", "#dc3545"];
  // tooltips drawn inside the chart's SVG: ECharts' HTML tooltips are written with style="" attributes,
  // which the Content-Security-Policy refuses
  var TOOLTIP = "richText";

  function num(value) {
    var n = Number(value);
    return isNaN(n) ? 0 : n;
  }

  function compact(wan) {
    return function (value) {
      return Math.abs(value) >= 10000 ? (value / 10000).toLocaleString("zh-CN") + wan : value.toLocaleString("zh-CN");
    };
  }

  function option(table, wan) {
    var spec = table.chart;
    var rows = spec.limit ? table.rows.slice(0, spec.limit) : table.rows;
    if (spec.kind === "pie") {
      return {
        color: ["#198754", "#0d6efd", "#dc3545", "#adb5bd", "#fd7e14"],
        tooltip: { trigger: "item", renderMode: TOOLTIP },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["35%", "62%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: rows.map(function (r) { return { name: String(r[0]), value: num(r[spec.series[0]]) }; })
        }]
      };
    }
    var horizontal = spec.kind === "hbar";
    var ordered = horizontal ? rows.slice().reverse() : rows;
    var categories = ordered.map(function (r) { return String(r[0]); });
    // a month still under way: its bar faded, the line's last stretch dashed (its label says 截至 …)
    var partial = spec.partial ? categories.indexOf(spec.partial.category) : -1;
    if (partial >= 0) { categories[partial] += "\n(" + spec.partial.label + ")"; }
    var series = [];
    spec.series.forEach(function (i) {
      var values = ordered.map(function (r) { return num(r[i]); });
      if (spec.kind !== "line") {
        series.push({
          name: table.columns[i], type: "bar",
          data: values.map(function (v, k) { return k === partial ? { value: v, itemStyle: { opacity: 0.4 } } : v; })
        });
        return;
      }
      var whole = partial > 0 ? values.map(function (v, k) { return k === partial ? null : v; }) : values;
      series.push({ name: table.columns[i], type: "line", data: whole });
      if (partial > 0) {
        series.push({
          name: table.columns[i], type: "line", lineStyle: { type: "dashed" }, symbol: "emptyCircle",
          data: values.map(function (v, k) { return k >= partial - 1 && k <= partial ? v : null; })
        });
      }
    });
    var categoryAxis = { type: "category", data: categories, axisLabel: { width: 90, overflow: "truncate" } };
    var valueAxis = { type: "value", axisLabel: { formatter: compact(wan) } };
    return {
      color: PALETTE,
      tooltip: { trigger: "axis", renderMode: TOOLTIP },
      legend: { top: 0, type: "scroll" },
      grid: { left: 4, right: 16, top: 32, bottom: 4, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function draw(el) {
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (table) {
        var title = document.querySelector('[data-chart-title="' + el.dataset.chart + '"]');
        if (title) {  // a month under way is said in the title too: the axis may not show its label
          title.textContent = table.title + (table.chart.partial ? " · " + table.chart.partial.label : "");
        }
        if (!table.rows.length) {
          el.innerHTML = '<div class="dash-empty"></div>';
          el.firstChild.textContent = el.dataset.empty;
        } else {
          var chart = echarts.init(el, null, { renderer: "svg" });
          chart.setOption(option(table, el.dataset.wan));
          window.addEventListener("resize", function () { chart.resize(); });
        }
        el.dataset.rendered = "1";
      })
      .catch(function () {
        el.innerHTML = '<div class="dash-empty"></div>';
        el.firstChild.textContent = el.dataset.empty;
        el.dataset.rendered = "error";
      });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
