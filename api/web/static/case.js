/* Case page: the process diagram (bpmn-js NavigatedViewer) with completed / current / not-reached marks. */
(function () {
  'use strict';
  var el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  var progress = JSON.parse(document.getElementById('progress').textContent);
  var viewer = new window.BpmnJS({ container: el });

  function mark() {
    var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry');
    var done = new Set(progress.done), current = new Set(progress.current);
    registry.forEach(function (element) {
      var bo = element.businessObject, id = element.id;
      if (!bo || element.type === 'label' || element.type === 'bpmn:Process' || element.type === 'bpmn:Collaboration'
          || element.type === 'bpmn:Participant' || element.type === 'bpmn:Lane') { return; }
      if (element.type === 'bpmn:SequenceFlow') {
        var s = bo.sourceRef && bo.sourceRef.id, t = bo.targetRef && bo.targetRef.id;
        var sDone = done.has(s) || (bo.sourceRef && bo.sourceRef.$type === 'bpmn:StartEvent');
        if (sDone && (done.has(t) || current.has(t))) { canvas.addMarker(id, 'flow-done'); }
        return;
      }
      if (current.has(id)) { canvas.addMarker(id, 'el-current'); }
      else if (done.has(id) || (bo.$type === 'bpmn:StartEvent' && (done.size || current.size))) {
        canvas.addMarker(id, 'el-done');
      } else { canvas.addMarker(id, 'el-todo'); }
    });
  }

  fetch(el.dataset.src, { credentials: 'same-origin' }).then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      if (!canvas.getRootElement().children.length) { throw new Error('no diagram'); }
      canvas.zoom('fit-viewport', 'auto');
      mark();
      el.dataset.ready = 'true';
    })
    .catch(function () {
      document.getElementById('diagram-missing').hidden = false;
      el.classList.add('empty');
      el.dataset.ready = 'true';
    });
})();
