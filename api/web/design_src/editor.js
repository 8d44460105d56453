// The designers' editor: bpmn-js Modeler + properties panel (with the platform's own properties offered as
// choices), dmn-js for decision tables, the form-js editor for forms, templates as text. Drafts are saved on the
// server with a content hash (409 → reload or save as copy) and kept in localStorage until the server has them.
// Live validation: every change is checked by /api/v1/design/validate and problems are drawn on the elements.
// Built by .ci/setup with esbuild into node_modules/.zhifa-build/ (ES modules; the DMN and form editors load on
// first use) — no third-party code in git.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { platformModule, translateModule } from './props.js';
import { formLabels, decisionChoices, laneMapper } from './choices.js';

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

// ---------------------------------------------------------------- editors
const choices = {
  forms: () => formLabels(content, L), roles: () => config.roles, decisions: () => decisionChoices(content),
};
const modeler = new BpmnModeler({
  container: '#bpmn-canvas', propertiesPanel: { parent: '#bpmn-props' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, platformModule(config, choices),
    translateModule(config.ui)],
  moddleExtensions: { spiffworkflow: spiffDescriptor },
});
let dmnModeler = null, formEditor = null;

function status(text) { document.getElementById('status').textContent = text || ''; }

function banner(text, kind, actions) {
  const box = document.createElement('div');
  box.className = `banner ${kind || ''}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.textContent = text;
  (actions || []).forEach(([label, fn, name]) => {
    const b = document.createElement('button');
    b.type = 'button'; b.className = 'btn'; b.textContent = label;
    if (name) b.dataset.action = name;
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

// Work not yet on the server is kept in this browser until a save succeeds (a failed save, a closed tab)
let dirty = false;
function keepLocally() {
  try { localStorage.setItem(LOCAL_KEY, JSON.stringify({ baseHash, content, at: Date.now() })); } catch (e) { /* full */ }
}
function changed() {
  dirty = true;
  root.dataset.dirty = '1';
  scheduleValidation();
}
function cleared() {
  dirty = false;
  delete root.dataset.dirty;
  localStorage.removeItem(LOCAL_KEY);
}
window.addEventListener('pagehide', () => { if (dirty) keepLocally(); });

async function api(method, path, body) {
  const response = await fetch(`/api/v1/design${path}`, { method, headers: HEADERS, credentials: 'same-origin',
    body: body ? JSON.stringify(body) : undefined });
  let json = null;
  try { json = await response.json(); } catch (e) { json = null; }
  return { status: response.status, json };
}

// ---------------------------------------------------------------- validation on the diagram
let overlayIds = [], validateTimer = null;
const say = p => (config.lang === 'zh' ? p.zh : p.en) || p.message;
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
    li.textContent = `${p.file || ''}${p.name ? ' 「' + p.name + '」' : ''}: ${say(p)}`;
    list.append(li);
    if (p.element && p.file === bpmnFile && registry.get(p.element)) (byElement[p.element] ||= []).push(p);
  });
  Object.entries(byElement).forEach(([id, ps]) => {
    const badge = document.createElement('div');
    const error = ps.some(p => p.severity === 'error');
    badge.className = `problem-badge ${error ? 'error' : 'warning'}`;
    badge.dataset.element = id;
    badge.title = ps.map(say).join('\n');
    badge.textContent = `${error ? '✖' : '!'} ${ps.length}`;
    overlayIds.push(overlays.add(id, 'problems', { position: { top: -10, right: 10 }, html: badge }));
  });
  document.getElementById('problem-count').textContent = problems.length ? `(${problems.length})` : L.noProblems;
  root.dataset.problems = String(problems.filter(p => p.severity === 'error').length);
}

async function validateNow() {
  await collect();
  if (dirty) keepLocally();
  let r;
  try { r = await api('POST', '/validate', content); } catch (e) { r = { status: 0 }; }
  if (r.status === 200) showProblems(r.json.problems);
  root.dataset.validated = String(Date.now());
}

function scheduleValidation() {
  clearTimeout(validateTimer);
  root.dataset.validated = '';
  validateTimer = setTimeout(validateNow, 500);
}

// ---------------------------------------------------------------- tabs and files
function fillSelect(id, options, current, onChange) {
  const select = document.getElementById(id);
  select.innerHTML = '';
  options.forEach(({ value, label }) => {
    const o = document.createElement('option'); o.value = value; o.textContent = label; select.append(o);
  });
  select.value = current || '';
  select.onchange = () => onChange(select.value);
}
const plain = names => names.map(n => ({ value: n, label: n }));

// opening is serialised: a choice made while the previous table or form is still loading waits for it
let dmnQueue = Promise.resolve(), formQueue = Promise.resolve();
function openDmn(file) { dmnQueue = dmnQueue.then(() => openDmnNow(file)); return dmnQueue; }
let formWanted = null;  // only the latest choice is loaded (a quick second choice skips the first)
function openForm(key) {
  formWanted = key;
  formQueue = formQueue.then(() => (formWanted === key ? openFormNow(key) : null));
  return formQueue;
}

async function openDmnNow(file) {
  await collect();
  dmnFile = file;
  if (!dmnModeler) {
    const { default: DmnModeler } = await import('dmn-js/lib/Modeler');
    dmnModeler = new DmnModeler({ container: '#dmn-canvas', common: { keyboard: { bindTo: window },
      additionalModules: [translateModule(config.ui)] } });
    dmnModeler.on('views.changed', ({ activeView }) => {
      const viewer = dmnModeler.getActiveViewer();
      if (viewer && !viewer.zhifaWatched) { viewer.zhifaWatched = true; viewer.on('elements.changed', changed); }
      root.dataset.dmnView = activeView ? activeView.type : '';
    });
  }
  if (file) {
    await dmnModeler.importXML(content.dmn[file]);
    const table = dmnModeler.getViews().find(v => v.type === 'decisionTable');
    if (table) await dmnModeler.open(table);
  }
  root.dataset.dmn = file || '';
}

// The form-js editor runs in its own frame (/design/form-frame, same origin): it shares no preact, CodeMirror or
// document-wide properties-panel lookups with bpmn-js, which otherwise stop its selection from re-rendering.
function formFrame() {
  const frame = document.getElementById('form-frame');
  if (frame.contentWindow && frame.contentWindow.zhifaForm) return frame.contentWindow.zhifaForm.ready;
  if (!frame.src) frame.src = frame.dataset.src;
  return new Promise(resolve => {
    const wait = () => (frame.contentWindow && frame.contentWindow.zhifaForm
      ? frame.contentWindow.zhifaForm.ready.then(resolve) : setTimeout(wait, 30));
    wait();
  });
}

async function openFormNow(key) {
  await collect();
  formKey = key;
  if (!formEditor) {
    formEditor = await formFrame();
    formEditor.onChanged(changed);
  }
  if (key) await formEditor.importSchema(JSON.parse(content.forms[key]));
  document.getElementById('form-key').value = key || '';
  root.dataset.form = key || '';
}

function openDoc(file) {
  if (docFile) content.documents[docFile] = document.getElementById('doc-text').value;
  docFile = file;
  document.getElementById('doc-text').value = file ? content.documents[file] : '';
  document.getElementById('doc-file').value = file || '';
}

function showLanes() {
  laneMapper(document.getElementById('lane-map'), modeler, config, content, changed);
}

document.querySelectorAll('[data-tab]').forEach(button => button.addEventListener('click', async () => {
  const tab = button.dataset.tab;
  document.querySelectorAll('[data-tab]').forEach(b => b.setAttribute('aria-selected', String(b === button)));
  document.querySelectorAll('[data-pane]').forEach(p => { p.hidden = p.dataset.pane !== tab; });
  if (tab === 'dmn' && !dmnModeler) await openDmn(Object.keys(content.dmn).sort()[0]);
  if (tab === 'forms') {
    await collect();  // the form names follow the diagram as edited
    fillSelect('form-key', formLabels(content, L), formKey, openForm);
    if (!formEditor) await openForm(Object.keys(content.forms).sort()[0]);
  }
  if (tab === 'bpmn') showLanes();
}));
document.getElementById('doc-text').addEventListener('input', () => {
  if (docFile) { content.documents[docFile] = document.getElementById('doc-text').value; changed(); }
});

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
    cleared(); status(L.saved); root.dataset.saved = String(Date.now()); return true;
  }
  if (r.status === 201) { cleared(); window.location.href = `${root.dataset.home}/drafts/${r.json.id}`; return true; }
  status('');
  if (r.status === 409) {
    banner(L.conflict, 'error conflict', [[L.reload, () => { cleared(); window.location.reload(); }, 'reload'],
      [L.copy, () => save(true), 'copy']]);
    return false;
  }
  if (r.status === 0 || r.status >= 500) banner(L.serverError, 'error kept');
  else banner((r.json && r.json.detail) || L.serverError, 'error');
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
async function load(next) {  // (re)load every editor from `next`
  content = next;
  await modeler.importXML(content.bpmn[bpmnFile]);
  modeler.get('canvas').zoom('fit-viewport');
  const [file, key] = [dmnFile, formKey];
  dmnFile = null; formKey = null; docFile = null;  // the editors hold the old content: do not collect it
  if (dmnModeler && file) await openDmn(file);
  if (formEditor && key) await openForm(key);
  openDoc(Object.keys(content.documents).sort()[0]);
  showLanes();
}

(async function start() {
  const r = await api('GET', `/drafts/${DRAFT}`);
  const server = r.json.content;
  baseHash = r.json.content_hash;
  const local = JSON.parse(localStorage.getItem(LOCAL_KEY) || 'null');
  bpmnFile = Object.keys(server.bpmn).find(f => server.bpmn[f].includes(`id="${root.dataset.key}"`)) || Object.keys(server.bpmn)[0];
  fillSelect('dmn-file', plain(Object.keys(server.dmn).sort()), null, openDmn);
  fillSelect('form-key', formLabels(server, L), null, openForm);
  fillSelect('doc-file', plain(Object.keys(server.documents).sort()), null, openDoc);
  await load(server);
  modeler.on('commandStack.changed', changed);
  if (local && JSON.stringify(local.content) !== JSON.stringify(server)) {
    const newer = local.baseHash !== baseHash;  // saved by someone since: a save will answer 409 → copy
    banner(newer ? L.localNewer : L.local, 'local', [
      [L.restore, async () => {
        baseHash = local.baseHash;  // saving then answers 409 if the server moved on: reload or save a copy
        await load(local.content); changed(); root.dataset.restored = '1';
      }, 'restore'],
      [L.discard, () => localStorage.removeItem(LOCAL_KEY), 'discard']]);
  }
  root.dataset.ready = '1';
  validateNow();
})();
