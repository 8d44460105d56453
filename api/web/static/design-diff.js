// Version diff: the newer diagram with colour overlays on added / changed elements (removed ones are listed).
(function () {
  const canvasEl = document.getElementById('diff-canvas');
  if (!canvasEl || !window.BpmnJS) return;
  const colours = JSON.parse(document.getElementById('diff-colours').textContent || '{}');
  const viewer = new window.BpmnJS({ container: canvasEl });
  fetch(canvasEl.dataset.diagram, { credentials: 'same-origin' }).then(r => r.text()).then(async xml => {
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    const registry = viewer.get('elementRegistry');
    const canvas = viewer.get('canvas');
    Object.entries(colours).forEach(([id, change]) => {
      if (registry.get(id)) canvas.addMarker(id, 'diff-' + change);
    });
    canvasEl.dataset.ready = '1';
  }).catch(err => { canvasEl.textContent = String(err); });
})();
