// The platform's properties in the bpmn-js properties panel: every property the engine reads, labelled in the
// user's language, offered as a choice where the choices exist (the organisation's roles, the bundle's forms and
// decision tables), plus the statutory-rule and period-clock families. Values are spiffworkflow:property
// elements (and spiffworkflow:calledDecisionId on business rule tasks), exactly what the engine parses.
import { useService } from 'bpmn-js-properties-panel';
import { TextFieldEntry, SelectEntry, CheckboxEntry, isTextFieldEntryEdited, isSelectEntryEdited,
  isCheckboxEntryEdited } from '@bpmn-io/properties-panel';
import { jsx, jsxs } from '@bpmn-io/properties-panel/preact/jsx-runtime';
import { useState } from '@bpmn-io/properties-panel/preact/hooks';

export function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }

function target(element) {  // process properties live on the process (a pool's processRef)
  const bo = element.businessObject;
  return is(bo, 'bpmn:Participant') ? bo.processRef : bo;
}

function extValues(bo) {
  const ext = bo && bo.get('extensionElements');
  return ext ? ext.get('values') || [] : [];
}

function propsOf(bo) { return extValues(bo).find(v => is(v, 'spiffworkflow:Properties')) || null; }

export function propNames(bo) {
  const props = propsOf(bo);
  return props ? props.get('properties').map(p => p.name) : [];
}

function getProp(bo, name) {
  const props = propsOf(bo);
  const prop = props && props.get('properties').find(p => p.name === name);
  return prop ? prop.value || '' : '';
}

function ensureExt(element, bo, modeling, bpmnFactory) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  return ext;
}

export function setProp(element, bo, name, value, modeling, bpmnFactory) {
  const ext = ensureExt(element, bo, modeling, bpmnFactory);
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

function getDecision(bo) {
  const found = extValues(bo).find(v => is(v, 'spiffworkflow:CalledDecisionId'));
  return found ? (found.value || '').trim() : '';
}

function setDecision(element, bo, value, modeling, bpmnFactory) {
  const ext = ensureExt(element, bo, modeling, bpmnFactory);
  const values = ext.get('values');
  const found = values.find(v => is(v, 'spiffworkflow:CalledDecisionId'));
  if (!value) {
    if (found) modeling.updateModdleProperties(element, ext, { values: values.filter(v => v !== found) });
  } else if (found) {
    modeling.updateModdleProperties(element, found, { value });
  } else {
    const made = bpmnFactory.create('spiffworkflow:CalledDecisionId', { value });
    made.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...values, made] });
  }
}

function fill(template, values) {
  return Object.entries(values).reduce((s, [k, v]) => s.split(`{${k}}`).join(v), template);
}

// ---------------------------------------------------------------- entries
function Entry(props) {
  const { element, id, name, kind, choices, label, L } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const bo = target(element);
  const decision = name === 'calledDecisionId';
  const read = () => (decision ? getDecision(bo) : getProp(bo, name));
  const getValue = () => (kind === 'check' ? read() === 'true' : read());
  const setValue = value => {
    const text = kind === 'check' ? (value ? 'true' : '') : value;
    if (decision) setDecision(element, bo, text, modeling, bpmnFactory);
    else setProp(element, bo, name, text, modeling, bpmnFactory);
  };
  const shown = label || L[name] || name;
  if (kind === 'check') return jsx(CheckboxEntry, { element, id, label: shown, getValue, setValue });
  if (kind === 'select') {
    const getOptions = () => {
      const options = [{ value: '', label: L.none }, ...choices()];
      const current = read();
      if (current && !options.some(o => o.value === current)) options.push({ value: current, label: current });
      return options;
    };
    return jsx(SelectEntry, { element, id, label: shown, getValue, setValue, getOptions });
  }
  return jsx(TextFieldEntry, { element, id, label: shown, getValue, setValue, debounce });
}

// "Add a rule" / "Add a period": two inputs and a button creating the family's first property
function AddEntry(props) {
  const { element, id, fields, button, make } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const [values, setValues] = useState(fields.map(() => ''));
  const add = () => {
    const made = make(values.map(v => v.trim()));
    if (!made) return;
    const bo = target(element);
    made.forEach(([name, value]) => setProp(element, bo, name, value, modeling, bpmnFactory));
    setValues(fields.map(() => ''));
  };
  return jsxs('div', { class: 'bio-properties-panel-entry zhifa-add', 'data-entry-id': id, children: [
    ...fields.map((label, i) => jsxs('label', { class: 'bio-properties-panel-label', children: [label,
      jsx('input', { class: 'bio-properties-panel-input', id: `${id}-${i}`, value: values[i],
        onInput: e => { const next = [...values]; next[i] = e.target.value; setValues(next); } })] })),
    jsx('button', { type: 'button', class: 'bio-properties-panel-add-entry zhifa-add-button', id: `${id}-add`,
      onClick: add, children: button }),
  ] });
}

const EDITED = { text: isTextFieldEntryEdited, select: isSelectEntryEdited, check: isCheckboxEntryEdited };

function entries(element, fields, prefix, L) {
  return fields.map(([name, kind, choices, label]) => ({
    id: `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`, element,
    component: p => jsx(Entry, { ...p, element, name, kind, choices, label, L }),
    isEdited: EDITED[kind],
  }));
}

function ruleEntries(element, L) {
  const bo = target(element);
  const rules = propNames(bo).filter(n => n.startsWith('rule:'));
  const fields = [];
  rules.forEach(name => {
    const [, field, rule] = name.split(':');
    const words = { field: field || '', name: rule || '' };
    fields.push([name, 'text', null, fill(L.ruleCondition, words)]);
    fields.push([`ruleMessage:${field}:${rule}`, 'text', null, fill(L.ruleMessage, words)]);
  });
  const list = entries(element, fields, 'zhifa-rule', L);
  list.push({ id: 'zhifa-rule-new', element, component: p => jsx(AddEntry, { ...p, element, id: 'zhifa-rule-new',
    fields: [L.ruleField, L.ruleName, L.ruleNew], button: L.addRule,
    make: ([field, rule, condition]) => (field && rule && condition ? [[`rule:${field}:${rule}`, condition]] : null) }) });
  return list;
}

const PERIOD_PARTS = ['period', 'periodFrom', 'periodLabel', 'periodUntil', 'periodExtensionFrom'];

function periodEntries(element, L) {
  const bo = target(element);
  const names = [...new Set(propNames(bo).filter(n => n.startsWith('period:')).map(n => n.slice(7)))];
  const fields = [];
  names.forEach(period => PERIOD_PARTS.forEach(part => fields.push(
    [`${part}:${period}`, 'text', null, fill(L[part], { name: period })])));
  const list = entries(element, fields, 'zhifa-period', L);
  list.push({ id: 'zhifa-period-new', element, component: p => jsx(AddEntry, { ...p, element,
    id: 'zhifa-period-new', fields: [L.periodName, L.periodNew], button: L.addPeriod,
    make: ([period, limit]) => (period && limit ? [[`period:${period}`, limit]] : null) }) });
  return list;
}

// ---------------------------------------------------------------- the provider
export function platformModule(config, choices) {
  const L = config.labels;
  const TASK_FIELDS = [
    ['formKey', 'select', choices.forms], ['role', 'select', choices.roles], ['unit', 'text'],
    ['deadline', 'text'], ['deadlineLabel', 'text'], ['deadlineFrom', 'text'], ['pausesCaseClock', 'check'],
    ['twoOfficers', 'check'], ['notInvestigator', 'check'], ['investigatorStep', 'check'], ['dueDateVar', 'text'],
    ['context', 'text'], ['documents', 'text'],
  ];
  const PROCESS_FIELDS = [
    ['startRoles', 'text'], ['startForm', 'select', choices.forms], ['caseDeadline', 'text'],
    ['caseDeadlineLabel', 'text'], ['caseDeadlineFrom', 'text'], ['caseDeadlineUntil', 'text'],
    ['caseDeadlineExtension', 'text'], ['caseDeadlineExtensionFrom', 'text'],
  ];

  function PlatformProvider(propertiesPanel) { propertiesPanel.registerProvider(500, this); }
  PlatformProvider.$inject = ['propertiesPanel'];
  PlatformProvider.prototype.getGroups = function (element) {
    return groups => {
      const bo = element.businessObject;
      const add = list => groups.splice(1, 0, ...list);
      if (is(bo, 'bpmn:UserTask')) {
        add([{ id: 'zhifa-task', label: L.group, shouldOpen: true, entries: entries(element, TASK_FIELDS, 'zhifa', L) },
          { id: 'zhifa-rules', label: L.rulesGroup, entries: ruleEntries(element, L) }]);
      } else if (is(bo, 'bpmn:BusinessRuleTask')) {
        add([{ id: 'zhifa-decision', label: L.decisionGroup, shouldOpen: true,
          entries: entries(element, [['calledDecisionId', 'select', choices.decisions]], 'zhifa', L) }]);
      } else if (is(bo, 'bpmn:Process') || (is(bo, 'bpmn:Participant') && bo.processRef)) {
        add([{ id: 'zhifa-process', label: L.processGroup, shouldOpen: true,
          entries: entries(element, PROCESS_FIELDS, 'zhifa-proc', L) },
        { id: 'zhifa-periods', label: L.periodsGroup, entries: periodEntries(element, L) },
        { id: 'zhifa-proc-rules', label: L.rulesGroup, entries: ruleEntries(element, L) }]);
      }
      return groups;
    };
  };
  return { __init__: ['zhifaProperties'], zhifaProperties: ['type', PlatformProvider] };
}

// bpmn-js / dmn-js translations (the `translate` service): the dictionary comes from the server (Babel)
export function translateModule(ui) {
  const translate = (template, replacements) => {
    const text = ui[template] || template;
    return text.replace(/{([^}]+)}/g, (all, key) => (replacements && key in replacements ? replacements[key] : all));
  };
  return { translate: ['value', translate] };
}
