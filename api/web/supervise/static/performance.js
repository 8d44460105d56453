/* 履职评估 page: ECharts bar charts per unit, and a heatmap on the procedure diagram (bpmn-js overlays). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('chart-data').textContent);
  var names = JSON.parse(document.getElementById('chart-labels').textContent);

  function bars(id, series, yAxis) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      grid: { left: 44, right: 44, top: 36, bottom: 70 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: data.units, axisLabel: { interval: 0, rotate: data.units.length > 3 ? 35 : 0,
        width: 90, overflow: 'truncate' } },
      yAxis: yAxis,
      series: series
    });
    window.addEventListener('resize', function () { chart.resize(); });
    el.dataset.ready = 'true';
  }

  bars('chart-deadlines', [
    { name: names.on_time, type: 'bar', data: data.on_time, itemStyle: { color: '#2e7d32' } },
    { name: names.red, type: 'bar', yAxisIndex: 1, data: data.red, itemStyle: { color: '#c62828' } },
    { name: names.overdue, type: 'line', yAxisIndex: 1, data: data.overdue_days, itemStyle: { color: '#ef6c00' } }
  ], [{ type: 'value', max: 100, name: '%' }, { type: 'value', minInterval: 1 }]);
  bars('chart-cases', [
    { name: names.opened, type: 'bar', data: data.opened, itemStyle: { color: '#1565c0' } },
    { name: names.closed, type: 'bar', data: data.closed, itemStyle: { color: '#78909c' } }
  ], { type: 'value', minInterval: 1 });

  var el = document.getElementById('heat');
  if (!el || !window.BpmnJS) { return; }
  var heat = JSON.parse(document.getElementById('heat-data').textContent);
  var byId = {};
  heat.elements.forEach(function (row) { byId[row.element] = row; });
  var viewer = new window.BpmnJS({ container: el });

  function shade(hours) {
    if (!heat.max_avg_hours || hours === null || hours === undefined) { return 'rgba(120,144,156,.85)'; }
    var t = Math.min(1, hours / heat.max_avg_hours);
    var r = Math.round(255 * Math.min(1, 2 * t)), g = Math.round(200 * Math.min(1, 2 * (1 - t)));
    return 'rgba(' + r + ',' + g + ',40,.9)';
  }

  fetch(el.dataset.src, { credentials: 'same-origin' }).then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas'), overlays = viewer.get('overlays'), registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      registry.forEach(function (element) {
        var row = byId[element.id];
        if (!row || element.type === 'label') { return; }
        var badge = document.createElement('div');
        badge.className = 'heat-badge';
        badge.style.background = shade(row.avg_hours);
        badge.textContent = row.cases + (row.avg_hours !== null && row.avg_hours !== undefined ? ' · ' + row.avg_hours + 'h' : '');
        badge.title = badge.textContent;
        overlays.add(element.id, { position: { top: -12, left: 0 }, html: badge });
        if (row.avg_hours) {
          var gfx = registry.getGraphics(element);
          var shape = gfx && gfx.querySelector('.djs-visual > :first-child');
          if (shape) { shape.style.fill = shade(row.avg_hours).replace(',.9)', ',.25)'); }
        }
      });
      el.dataset.ready = 'true';
    })
    .catch(function () {
      document.getElementById('heat-missing').hidden = false;
      el.dataset.ready = 'true';
    });
})();
