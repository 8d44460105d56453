/* History on the diagram: step through the event log; marks, visit counts and taken flows per step. */
(function () {
  'use strict';
  var el = document.getElementById('diagram');
  var steps = JSON.parse(document.getElementById('steps').textContent);
  var text = JSON.parse(document.getElementById('history-text').textContent);
  var slider = document.getElementById('slider');
  var viewer = window.BpmnJS ? new window.BpmnJS({ container: el }) : null;
  var ready = false, index = steps.length - 1;

  function fmt(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
    var p = function (n) { return String(n).padStart(2, '0'); };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
  }
  function td(value) { var c = document.createElement('td'); c.textContent = value === '' ? text.empty : value; return c; }

  function mark(step) {
    if (!viewer || !ready) { return; }
    var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry'), overlays = viewer.get('overlays');
    overlays.remove({ type: 'visits' });
    var done = new Set(step.completed), active = new Set(step.active), taken = {};
    step.taken.forEach(function (t) { (taken[t[0]] = taken[t[0]] || new Set()).add(t[1]); });
    var started = true;
    function reached(endBo) {  // an end event counts as reached when the case ended through one of its flows
      return step.final && (endBo.incoming || []).some(function (f) {
        var src = f.sourceRef && f.sourceRef.id;
        return done.has(src) && (!taken[src] || taken[src].has(endBo.id));
      });
    }
    registry.forEach(function (element) {
      var bo = element.businessObject, id = element.id, type = element.type;
      ['el-done', 'el-current', 'el-todo', 'flow-done'].forEach(function (m) { canvas.removeMarker(id, m); });
      if (!bo || type === 'label' || type === 'bpmn:Process' || type === 'bpmn:Collaboration'
          || type === 'bpmn:Participant' || type === 'bpmn:Lane') { return; }
      if (type === 'bpmn:SequenceFlow') {
        var s = bo.sourceRef && bo.sourceRef.id, t = bo.targetRef && bo.targetRef.id;
        var sDone = done.has(s) || (bo.sourceRef && bo.sourceRef.$type === 'bpmn:StartEvent' && started);
        var chosen = taken[s] ? taken[s].has(t) : true;
        if (sDone && chosen && (done.has(t) || active.has(t) || (bo.targetRef.$type === 'bpmn:EndEvent' && reached(bo.targetRef)))) {
          canvas.addMarker(id, 'flow-done');
        }
        return;
      }
      if (active.has(id)) { canvas.addMarker(id, 'el-current'); }
      else if (done.has(id) || (bo.$type === 'bpmn:StartEvent' && started) || (bo.$type === 'bpmn:EndEvent' && reached(bo))) {
        canvas.addMarker(id, 'el-done');
      } else { canvas.addMarker(id, 'el-todo'); }
      var n = step.visits[id];
      if (n && n > 1 && element.width) {
        overlays.add(id, 'visits', { position: { top: -8, right: 8 }, html: '<span class="visits">' + n + '</span>' });
      }
    });
  }

  function show(i) {
    index = Math.max(0, Math.min(steps.length - 1, i));
    var step = steps[index];
    slider.value = index + 1;
    document.getElementById('position').textContent = text.step.replace('%(n)s', index + 1).replace('%(total)s', steps.length);
    document.getElementById('step-title').textContent = step.seq + ' · ' + step.label + (step.element ? '：' + step.element : '') + (step.item ? '（' + step.item + '）' : '');
    var meta = [fmt(step.when), step.who + (step.role ? '（' + step.role + '）' : ''), step.unit].filter(Boolean);
    document.getElementById('step-meta').textContent = meta.join(' · ');
    var decision = document.getElementById('step-decision');
    decision.hidden = !step.decision; decision.textContent = step.decision || '';
    var body = document.getElementById('step-changes'); body.innerHTML = '';
    if (!step.changes.length) { var r = document.createElement('tr'), c = td(text.none); c.colSpan = 3; c.className = 'muted'; r.appendChild(c); body.appendChild(r); }
    step.changes.forEach(function (ch) {
      var row = document.createElement('tr');
      var th = document.createElement('th'); th.textContent = ch.label; row.appendChild(th);
      var b = td(ch.before); b.className = 'before'; row.appendChild(b);
      var a = td(ch.after); a.className = 'after'; row.appendChild(a);
      body.appendChild(row);
    });
    var list = document.getElementById('step-open'); list.innerHTML = '';
    if (!step.open.length) { var li0 = document.createElement('li'); li0.className = 'muted'; li0.textContent = text.noopen; list.appendChild(li0); }
    step.open.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = t.title + (t.item ? '（' + t.item + '）' : '') + (t.unit ? ' · ' + t.unit : '') + (t.who ? ' · ' + t.who : '');
      list.appendChild(li);
    });
    document.querySelectorAll('#step-list button').forEach(function (b) { b.classList.toggle('on', Number(b.dataset.index) === index); });
    var on = document.querySelector('#step-list button.on'); if (on && on.scrollIntoView) { on.scrollIntoView({ block: 'nearest' }); }
    document.body.dataset.step = String(step.seq);
    mark(step);
  }

  slider.addEventListener('input', function () { show(Number(slider.value) - 1); });
  document.getElementById('prev').addEventListener('click', function () { show(index - 1); });
  document.getElementById('next').addEventListener('click', function () { show(index + 1); });
  document.getElementById('step-list').addEventListener('click', function (e) {
    var b = e.target.closest('button[data-index]'); if (b) { show(Number(b.dataset.index)); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.target.tagName === 'INPUT' && e.target !== slider) { return; }
    if (e.key === 'ArrowLeft') { show(index - 1); } else if (e.key === 'ArrowRight') { show(index + 1); }
  });

  function load(src) {
    if (!viewer) { return; }
    ready = false; el.dataset.ready = 'false';
    fetch(src, { credentials: 'same-origin' }).then(function (r) { return r.text(); })
      .then(function (xml) {
        // lanes are named by role key in the BPMN; show the role's name
        var lanes = JSON.parse(document.getElementById('lane-names').textContent);
        xml = xml.replace(/(<(?:bpmn:)?lane\b[^>]*\bname=")([^"]*)"/g, function (m, head, name) {
          return head + (lanes[name] || name) + '"';
        });
        return viewer.importXML(xml);
      })
      .then(function () {
        var canvas = viewer.get('canvas');
        if (!canvas.getRootElement().children.length) { throw new Error('no diagram'); }
        canvas.zoom('fit-viewport', 'auto');
        ready = true; mark(steps[index]); el.dataset.ready = 'true';
      })
      .catch(function () { document.getElementById('diagram-missing').hidden = false; el.dataset.ready = 'true'; });
  }
  document.querySelectorAll('.diagram-tabs button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('.diagram-tabs button').forEach(function (x) { x.classList.remove('on'); });
      b.classList.add('on'); load(b.dataset.src);
    });
  });
  show(index);
  load(el.dataset.src);
})();
