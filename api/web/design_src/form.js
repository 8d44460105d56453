// The form-js editor inside its own frame (/design/form-frame): the designers' editor page drives it through
// window.zhifaForm (same origin). Built by .ci/setup with esbuild next to the editor (design-form.js).
import { FormEditor } from '@bpmn-io/form-js-editor';

const container = document.getElementById('form-canvas');
const editor = new FormEditor({ container });
const listeners = [];
editor.on('changed', () => { listeners.forEach(fn => fn()); });

// form-js keeps the "General" group (the field label) closed: open it when a field is selected. (A listener that
// returns a value stops the event in the bpmn.io event bus: this one returns nothing, so form-js still hears it.)
editor.on('selection.changed', () => { setTimeout(() => {
  const group = container.querySelector('.fjs-properties-panel [data-group-id=group-general]');
  const entries = group && group.querySelector('.bio-properties-panel-group-entries');
  if (entries && !entries.classList.contains('open')) group.querySelector('.bio-properties-panel-group-header').click();
}, 0); });

window.zhifaForm = {
  async importSchema(schema) {
    await editor.importSchema(schema);
    // let form-js run its effects (its selection listeners follow the schema) before anything else happens
    await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50))));
    document.body.dataset.form = schema.id || '';
  },
  saveSchema: () => editor.saveSchema(),
  onChanged: fn => listeners.push(fn),
};
window.zhifaForm.ready = Promise.resolve(window.zhifaForm);
document.body.dataset.ready = '1';
