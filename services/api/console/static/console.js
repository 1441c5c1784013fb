// Hotline console: the little the pages need beyond htmx. No inline scripts (the CSP forbids
// them), so charts and the location button are wired here from data attributes.
(function () {
  "use strict";

  // Functions cannot travel in JSON: a series names its tooltip's formatter ("percent") and it
  // is put in here (the dashboard's rates are drawn in percent).
  var FORMATTERS = {
    percent: function (v) { return v == null || v === "-" ? "—" : v + "%"; }
  };
  function withFormatters(option) {
    (option.series || []).forEach(function (s) {
      if (s.tooltip && typeof s.tooltip.valueFormatter === "string") {
        s.tooltip.valueFormatter = FORMATTERS[s.tooltip.valueFormatter];
      }
    });
    return option;
  }

  // A chart: <div class="chart" data-chart='{ECharts option}'>.
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      var option = withFormatters(JSON.parse(el.dataset.chart));
      option.animation = false; // screenshots and slow office PCs
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
      el.dataset.ready = "1";
    });
  }

  // "Use my location" fills the form's lat/long inputs (the citizen portal).
  function wireLocation(root) {
    root.querySelectorAll("[data-locate]").forEach(function (btn) {
      if (btn.dataset.wired) return;
      btn.dataset.wired = "1";
      btn.addEventListener("click", function () {
        var form = btn.closest("form");
        if (!navigator.geolocation || !form) return;
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
          form.querySelector("[name=long]").value = pos.coords.longitude.toFixed(6);
        });
      });
    });
  }

  function wire(root) { drawCharts(root); wireLocation(root); }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (e) { wire(e.target); });
})();
