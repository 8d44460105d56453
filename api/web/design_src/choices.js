// What the editor offers as choices, read from the draft's own content: the bundle's forms (named after the steps
// that use them), its decision tables (by their names) and the diagram's lanes that are not roles yet.
const SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

function parse(xml) {
  try {
    const doc = new DOMParser().parseFromString(xml || '', 'application/xml');
    return doc.getElementsByTagName('parsererror').length ? null : doc;
  } catch (e) { return null; }
}

function spiffProps(node) {
  const out = {};
  Array.from(node.getElementsByTagNameNS(SPIFF, 'property')).forEach(p => { out[p.getAttribute('name')] = p.getAttribute('value'); });
  return out;
}

// form key → "立案呈批" (the steps that use it; the start form says so); forms nobody uses keep their key
export function formLabels(content, L) {
  const uses = {};
  Object.values(content.bpmn || {}).forEach(xml => {
    const doc = parse(xml);
    if (!doc) return;
    Array.from(doc.getElementsByTagNameNS(BPMN, 'process')).forEach(proc => {
      const ext = Array.from(proc.children).find(c => c.localName === 'extensionElements');
      const start = ext ? spiffProps(ext).startForm : null;
      if (start) (uses[start] ||= []).push(`${proc.getAttribute('name') || ''}${L.startFormOf}`);
    });
    Array.from(doc.getElementsByTagNameNS(BPMN, 'userTask')).forEach(task => {
      const key = spiffProps(task).formKey;
      if (key) (uses[key] ||= []).push(task.getAttribute('name') || task.getAttribute('id'));
    });
  });
  return Object.keys(content.forms || {}).sort().map(key => {
    const names = [...new Set(uses[key] || [])];
    return { value: key, label: names.length ? names.join('、') : key };
  });
}

// decision id → its name, from every DMN file of the draft
export function decisionChoices(content) {
  const out = [];
  Object.values(content.dmn || {}).forEach(xml => {
    const doc = parse(xml);
    if (!doc) return;
    Array.from(doc.getElementsByTagName('*')).filter(n => n.localName === 'decision').forEach(d => {
      out.push({ value: d.getAttribute('id'), label: d.getAttribute('name') || d.getAttribute('id') });
    });
  });
  return out.sort((a, b) => a.label.localeCompare(b.label, 'zh'));
}

// The lanes of the diagram whose names are not roles: one select each, writing content.lane_map
export function laneMapper(box, modeler, config, content, onChange) {
  const roles = new Set(config.roles.map(r => r.value));
  const L = config.labels;
  const lanes = [...new Set(modeler.get('elementRegistry').filter(e => e.type === 'bpmn:Lane')
    .map(e => e.businessObject.name || e.id))].filter(name => !roles.has(name)).sort();
  box.hidden = !lanes.length;
  const list = box.querySelector('.lanes');
  list.innerHTML = '';
  lanes.forEach(lane => {
    const label = document.createElement('label');
    label.className = 'lane-row';
    label.append(document.createTextNode(L.laneRole.replace('{lane}', lane)));
    const select = document.createElement('select');
    select.className = 'btn';
    select.dataset.lane = lane;
    [{ value: '', label: L.none }, ...config.roles].forEach(r => {
      const o = document.createElement('option');
      o.value = r.value; o.textContent = r.label;
      select.append(o);
    });
    select.value = (content.lane_map || {})[lane] || '';
    select.addEventListener('change', () => {
      content.lane_map = { ...(content.lane_map || {}) };
      if (select.value) content.lane_map[lane] = select.value; else delete content.lane_map[lane];
      onChange();
    });
    label.append(select);
    list.append(label);
  });
}

// form-js keeps the "General" group (the field label) closed: open it when a field is selected
export function openGeneralGroup(container) {
  const group = container.querySelector('.fjs-properties-panel [data-group-id=group-general]');
  if (!group) return;
  const entries = group.querySelector('.bio-properties-panel-group-entries');
  if (entries && !entries.classList.contains('open')) group.querySelector('.bio-properties-panel-group-header').click();
}
