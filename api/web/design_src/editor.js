// The designers' editor: bpmn-js Modeler + properties panel (with the platform's own properties offered as
// choices), dmn-js for decision tables, the form-js editor for forms, templates as text. Drafts are saved on the
// server with a content hash (409 → reload or save as copy) and kept in localStorage until the server has them.
// Live validation: every change is checked by /api/v1/design/validate and problems are drawn on the elements.
// Built by .ci/setup with esbuild into node_modules/.zhifa-build/ (ES modules; the DMN and form editors load on
// first use) — no third-party code in git.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, useService } from 'bpmn-js-properties-panel';
import { TextFieldEntry, SelectEntry, CheckboxEntry, isTextFieldEntryEdited, isSelectEntryEdited,
  isCheckboxEntryEdited } from '@bpmn-io/properties-panel';
import { jsx } from '@bpmn-io/properties-panel/preact/jsx-runtime';

const root = document.getElementById('editor');
const config = JSON.parse(document.getElementById('editor-config').textContent);
const L = config.labels;
const DRAFT = root.dataset.draft;
const LOCAL_KEY = `zhifa-design-draft-${DRAFT}`;
const HEADERS = { 'Content-Type': 'application/json', 'X-Requested-With': 'fetch' };
let content = null;          // {bpmn, dmn, forms, documents, lane_map}
let baseHash = root.dataset.hash;
let bpmnFile = null, dmnFile = null, formKey = null, docFile = null;

// ---------------------------------------------------------------- spiffworkflow moddle extension
const spiffDescriptor = {
  name: 'SpiffWorkflow', prefix: 'spiffworkflow', uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
  xml: { tagAlias: 'lowerCase' }, associations: [],
  types: [
    { name: 'Properties', superClass: ['Element'], properties: [{ name: 'properties', type: 'Property', isMany: true }] },
    { name: 'Property', superClass: ['Element'], properties: [
      { name: 'name', type: 'String', isAttr: true }, { name: 'value', type: 'String', isAttr: true }] },
    { name: 'PreScript', superClass: ['Element'], properties: [{ name: 'value', type: 'String', isBody: true }] },
    { name: 'PostScript', superClass: ['Element'], properties: [{ name: 'value', type: 'String', isBody: true }] },
    { name: 'CalledDecisionId', superClass: ['Element'], properties: [{ name: 'value', type: 'String', isBody: true }] },
  ],
};

function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }

function target(element) {  // process properties live on the process (a pool's processRef)
  const bo = element.businessObject;
  return is(bo, 'bpmn:Participant') ? bo.processRef : bo;
}

function propsOf(bo) {
  const ext = bo && bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find(v => is(v, 'spiffworkflow:Properties')) : null;
}

function getProp(bo, name) {
  const props = propsOf(bo);
  const prop = props && props.get('properties').find(p => p.name === name);
  return prop ? prop.value || '' : '';
}

function setProp(element, bo, name, value, modeling, bpmnFactory) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let props = propsOf(bo);
  if (!props) {
    props = bpmnFactory.create('spiffworkflow:Properties', { properties: [] });
    props.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), props] });
  }
  const list = props.get('properties');
  const prop = list.find(p => p.name === name);
  if (!value) {
    if (prop) modeling.updateModdleProperties(element, props, { properties: list.filter(p => p !== prop) });
  } else if (prop) {
    modeling.updateModdleProperties(element, prop, { value });
  } else {
    const made = bpmnFactory.create('spiffworkflow:Property', { name, value });
    made.$parent = props;
    modeling.updateModdleProperties(element, props, { properties: [...list, made] });
  }
}

function Entry(props) {
  const { element, id, name, kind, choices } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = target(element);
  const getValue = () => kind === 'check' ? getProp(bo, name) === 'true' : getProp(bo, name);
  const setValue = value => setProp(element, bo, name, kind === 'check' ? (value ? 'true' : '') : value,
    modeling, bpmnFactory);
  const label = L[name] || name;
  if (kind === 'check') return jsx(CheckboxEntry, { element, id, label, getValue, setValue });
  if (kind === 'select') {
    const getOptions = () => [{ value: '', label: L.none }, ...choices().map(c => ({ value: c, label: c }))];
    return jsx(SelectEntry, { element, id, label, getValue, setValue, getOptions });
  }
  return jsx(TextFieldEntry, { element, id, label, getValue, setValue, debounce });
}

const TASK_FIELDS = [
  ['formKey', 'select', () => Object.keys(content.forms || {}).sort()],
  ['role', 'select', () => config.roles], ['unit', 'text'], ['deadline', 'text'], ['deadlineLabel', 'text'],
  ['deadlineFrom', 'text'], ['pausesCaseClock', 'check'], ['twoOfficers', 'check'], ['notInvestigator', 'check'],
  ['context', 'text'], ['documents', 'text'],
];
const PROCESS_FIELDS = [
  ['startRoles', 'text'], ['startForm', 'select', () => Object.keys(content.forms || {}).sort()],
  ['caseDeadline', 'text'], ['caseDeadlineLabel', 'text'], ['caseDeadlineFrom', 'text'],
  ['caseDeadlineUntil', 'text'], ['caseDeadlineExtensionFrom', 'text'],
];
const EDITED = { text: isTextFieldEntryEdited, select: isSelectEntryEdited, check: isCheckboxEntryEdited };

function entries(element, fields, prefix) {
  return fields.map(([name, kind, choices]) => ({
    id: `${prefix}-${name}`, element, component: p => jsx(Entry, { ...p, element, name, kind, choices }),
    isEdited: EDITED[kind],
  }));
}

function PlatformProvider(propertiesPanel) { propertiesPanel.registerProvider(500, this); }
PlatformProvider.$inject = ['propertiesPanel'];
PlatformProvider.prototype.getGroups = function (element) {
  return groups => {
    const bo = element.businessObject;
    if (is(bo, 'bpmn:UserTask')) {
      groups.splice(1, 0, { id: 'zhifa-task', label: L.group, shouldOpen: true,
        entries: entries(element, TASK_FIELDS, 'zhifa') });
    } else if (is(bo, 'bpmn:Process') || (is(bo, 'bpmn:Participant') && bo.processRef)) {
      groups.splice(1, 0, { id: 'zhifa-process', label: L.processGroup, shouldOpen: true,
        entries: entries(element, PROCESS_FIELDS, 'zhifa-proc') });
    }
    return groups;
  };
};
const PlatformModule = { __init__: ['zhifaProperties'], zhifaProperties: ['type', PlatformProvider] };

// ---------------------------------------------------------------- editors
const modeler = new BpmnModeler({
  container: '#bpmn-canvas', propertiesPanel: { parent: '#bpmn-props' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, PlatformModule],
  moddleExtensions: { spiffworkflow: spiffDescriptor },
});
let dmnModeler = null, formEditor = null;

function status(text) { document.getElementById('status').textContent = text || ''; }

function banner(html, kind, actions) {
  const box = document.createElement('div');
  box.className = `banner ${kind || ''}`;
  box.textContent = html;
  (actions || []).forEach(([label, fn]) => {
    const b = document.createElement('button');
    b.type = 'button'; b.className = 'btn'; b.textContent = label;
    b.addEventListener('click', () => { box.remove(); fn(); });
    box.append(' ', b);
  });
  document.getElementById('banners').append(box);
  return box;
}

async function collect() {  // the editors' current state into `content`
  if (bpmnFile) content.bpmn[bpmnFile] = (await modeler.saveXML({ format: true })).xml;
  if (dmnModeler && dmnFile) content.dmn[dmnFile] = (await dmnModeler.saveXML({ format: true })).xml;
  if (formEditor && formKey) content.forms[formKey] = JSON.stringify(formEditor.saveSchema(), null, 2);
  if (docFile) content.documents[docFile] = document.getElementById('doc-text').value;
  return content;
}

function keepLocally() {
  try { localStorage.setItem(LOCAL_KEY, JSON.stringify({ baseHash, content, at: Date.now() })); } catch (e) { /* full */ }
}

async function api(method, path, body) {
  const response = await fetch(`/api/v1/design${path}`, { method, headers: HEADERS, credentials: 'same-origin',
    body: body ? JSON.stringify(body) : undefined });
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  return { status: response.status, json };
}

// ---------------------------------------------------------------- validation on the diagram
let overlayIds = [], validateTimer = null;
function showProblems(problems) {
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  overlayIds.forEach(id => overlays.remove(id));
  overlayIds = [];
  const list = document.getElementById('problems');
  list.innerHTML = '';
  const byElement = {};
  problems.forEach(p => {
    const li = document.createElement('li');
    li.className = p.severity;
    li.dataset.element = p.element || '';
    li.textContent = `${p.file || ''}${p.name ? ' 「' + p.name + '」' : ''}: ${p.message}`;
    list.append(li);
    if (p.element && p.file === bpmnFile && registry.get(p.element)) (byElement[p.element] ||= []).push(p);
  });
  Object.entries(byElement).forEach(([id, ps]) => {
    const badge = document.createElement('div');
    const error = ps.some(p => p.severity === 'error');
    badge.className = `problem-badge ${error ? 'error' : 'warning'}`;
    badge.dataset.element = id;
    badge.title = ps.map(p => p.message).join('\n');
    badge.textContent = `${error ? '✖' : '!'} ${ps.length}`;
    overlayIds.push(overlays.add(id, 'problems', { position: { top: -10, right: 10 }, html: badge }));
  });
  document.getElementById('problem-count').textContent = problems.length ? `(${problems.length})` : L.noProblems;
  root.dataset.problems = String(problems.filter(p => p.severity === 'error').length);
}

async function validateNow() {
  await collect();
  keepLocally();
  const r = await api('POST', '/validate', content);
  if (r.status === 200) showProblems(r.json.problems);
  root.dataset.validated = String(Date.now());
}

function scheduleValidation() {
  clearTimeout(validateTimer);
  root.dataset.validated = '';
  validateTimer = setTimeout(validateNow, 500);
}

// ---------------------------------------------------------------- tabs and files
function fillSelect(id, names, current, onChange) {
  const select = document.getElementById(id);
  select.innerHTML = '';
  names.forEach(n => { const o = document.createElement('option'); o.value = n; o.textContent = n; select.append(o); });
  select.value = current || '';
  select.onchange = () => onChange(select.value);
}

async function openDmn(file) {
  await collect();
  dmnFile = file;
  if (!dmnModeler) {
    const { default: DmnModeler } = await import('dmn-js/lib/Modeler');
    dmnModeler = new DmnModeler({ container: '#dmn-canvas', common: { keyboard: { bindTo: window } } });
  }
  if (file) {
    await dmnModeler.importXML(content.dmn[file]);
    const table = dmnModeler.getViews().find(v => v.type === 'decisionTable');
    if (table) await dmnModeler.open(table);
    dmnModeler.on('views.changed', () => {});
    dmnModeler.getActiveViewer().on('elements.changed', scheduleValidation);
  }
}

async function openForm(key) {
  await collect();
  formKey = key;
  if (!formEditor) {
    const { FormEditor } = await import('@bpmn-io/form-js-editor');
    formEditor = new FormEditor({ container: document.getElementById('form-canvas') });
    formEditor.on('changed', scheduleValidation);
  }
  if (key) await formEditor.importSchema(JSON.parse(content.forms[key]));
}

function openDoc(file) {
  if (docFile) content.documents[docFile] = document.getElementById('doc-text').value;
  docFile = file;
  document.getElementById('doc-text').value = file ? content.documents[file] : '';
}

document.querySelectorAll('[data-tab]').forEach(button => button.addEventListener('click', async () => {
  const tab = button.dataset.tab;
  document.querySelectorAll('[data-tab]').forEach(b => b.setAttribute('aria-selected', String(b === button)));
  document.querySelectorAll('[data-pane]').forEach(p => { p.hidden = p.dataset.pane !== tab; });
  if (tab === 'dmn' && !dmnModeler) await openDmn(Object.keys(content.dmn).sort()[0]);
  if (tab === 'forms' && !formEditor) await openForm(Object.keys(content.forms).sort()[0]);
}));
document.getElementById('doc-text').addEventListener('input', () => { if (docFile) { content.documents[docFile] =
  document.getElementById('doc-text').value; keepLocally(); } });

// ---------------------------------------------------------------- save and deploy
async function save(asCopy) {
  await collect();
  keepLocally();
  status(L.saving);
  let r;
  try {
    r = asCopy ? await api('POST', '/drafts', { process_key: root.dataset.key, title: `${document.title.split(' · ')[0]} *`, content })
      : await api('PUT', `/drafts/${DRAFT}`, { content, base_hash: baseHash });
  } catch (e) { r = { status: 0 }; }
  if (r.status === 200) {
    baseHash = r.json.content_hash; root.dataset.hash = baseHash;
    localStorage.removeItem(LOCAL_KEY); status(L.saved); return true;
  }
  if (r.status === 201) { localStorage.removeItem(LOCAL_KEY); window.location.href = `${root.dataset.home}/drafts/${r.json.id}`; return true; }
  if (r.status === 409) {
    status('');
    banner(L.conflict, 'error', [[L.reload, () => { localStorage.removeItem(LOCAL_KEY); window.location.reload(); }],
      [L.copy, () => save(true)]]);
    return false;
  }
  status(''); banner((r.json && r.json.detail) || L.serverError, 'error');
  return false;
}

async function deployDraft() {
  const note = document.getElementById('deploy-note').value.trim();
  if (!note) { status(L.noteRequired); return; }
  if (!(await save(false))) return;
  const r = await api('POST', `/drafts/${DRAFT}/deploy`, { note, base_hash: baseHash });
  if (r.status === 201) {
    const v = r.json.deployed.map(d => d.version).join(', ');
    status(L.deployed.replace('{v}', v)); root.dataset.deployed = v;
  } else if (r.status === 422 && r.json && r.json.problems) {
    showProblems(r.json.problems); status(L.invalid);
  } else {
    banner((r.json && r.json.detail) || L.serverError, 'error');
  }
}
document.getElementById('btn-save').addEventListener('click', () => save(false));
document.getElementById('btn-deploy').addEventListener('click', deployDraft);

// ---------------------------------------------------------------- start
(async function start() {
  const r = await api('GET', `/drafts/${DRAFT}`);
  content = r.json.content;
  baseHash = r.json.content_hash;
  const local = JSON.parse(localStorage.getItem(LOCAL_KEY) || 'null');
  bpmnFile = Object.keys(content.bpmn).find(f => content.bpmn[f].includes(`id="${root.dataset.key}"`)) || Object.keys(content.bpmn)[0];
  fillSelect('dmn-file', Object.keys(content.dmn).sort(), null, openDmn);
  fillSelect('form-key', Object.keys(content.forms).sort(), null, openForm);
  fillSelect('doc-file', Object.keys(content.documents).sort(), null, openDoc);
  openDoc(Object.keys(content.documents).sort()[0]);
  await modeler.importXML(content.bpmn[bpmnFile]);
  modeler.get('canvas').zoom('fit-viewport');
  modeler.on('commandStack.changed', scheduleValidation);
  if (local && local.baseHash === baseHash && JSON.stringify(local.content) !== JSON.stringify(content)) {
    banner(L.local, '', [[L.restore, async () => { content = local.content; await modeler.importXML(content.bpmn[bpmnFile]);
      scheduleValidation(); }], [L.discard, () => localStorage.removeItem(LOCAL_KEY)]]);
  }
  root.dataset.ready = '1';
  validateNow();
})();
