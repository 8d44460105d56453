/* Task and start forms: render a form-js schema, submit as JSON, show server errors next to the fields. */
(function () {
  'use strict';
  var csrf = document.querySelector('meta[name=csrf-token]').content;

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent || 'null') : null;
  }

  // Dotted data path (as the server reports errors) → form-js field id.
  function fieldIds(components, prefix, out) {
    (components || []).forEach(function (c) {
      if (c.type === 'group' || c.type === 'dynamiclist') {
        fieldIds(c.components, c.path ? prefix + c.path + '.' : prefix, out);
      } else if (c.key) {
        out[prefix + c.key] = c.id;
      }
    });
    return out;
  }

  async function mount(container, schema, data, editable) {
    if (!schema || !schema.components || !window.FormViewer) { return null; }
    var form = await window.FormViewer.createForm({ container: container, schema: schema, data: data || {} });
    if (!editable) { form.setProperty('readOnly', true); }
    return form;
  }

  function showErrors(form, schema, errors, box, text) {
    var ids = fieldIds(schema && schema.components, '', {});
    var byId = {}, loose = [];
    Object.keys(errors || {}).forEach(function (key) {
      var id = ids[key];
      if (id && form) { byId[id] = errors[key]; } else { loose.push((key ? key + ': ' : '') + errors[key].join('; ')); }
    });
    if (form) { form._setState({ errors: byId }); }
    box.textContent = '';
    var head = document.createElement('p');
    head.textContent = text;
    box.appendChild(head);
    if (loose.length) {
      var ul = document.createElement('ul');
      loose.forEach(function (line) { var li = document.createElement('li'); li.textContent = line; ul.appendChild(li); });
      box.appendChild(ul);
    }
    box.hidden = false;
    var first = container(form) && container(form).querySelector('.fjs-has-errors, .fjs-form-field-error');
    (first || box).scrollIntoView({ block: 'center' });
  }

  function container(form) { return form && form._container; }

  async function post(url, body) {
    var response = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'X-Requested-With': 'fetch' },
      body: JSON.stringify(body)
    });
    var json = {};
    try { json = await response.json(); } catch (e) { json = { detail: response.statusText }; }
    return { status: response.status, json: json };
  }

  /* Submit: client-side form-js validation first, then the server (the authority). */
  async function submit(form, schema, url, extra, box, i18n, button) {
    var data = {};
    if (form) {
      var result = form.submit();
      if (Object.keys(result.errors || {}).length) { box.hidden = true; return; }
      data = result.data;
    }
    button.disabled = true;
    var old = button.textContent;
    button.textContent = i18n.busy;
    try {
      var res = await post(url, Object.assign({ data: data }, extra()));
      if (res.status === 200 || res.status === 201) { window.location.assign(res.json.redirect); return; }
      if (res.status === 422 && res.json.errors) { window.zhifaForms.showErrors(form, schema, res.json.errors, box, i18n.fix); }
      else { window.zhifaForms.showErrors(null, null, {}, box, i18n.failed + ' ' + (res.json.detail || res.status)); }
    } finally {
      button.disabled = false;
      button.textContent = old;
    }
  }

  window.zhifaForms = { mount: mount, submit: submit, readJson: readJson, showErrors: showErrors, post: post };

  // The task page.
  var el = document.getElementById('form');
  if (el && el.dataset.submit) {
    var schema = readJson('form-schema'), i18n = readJson('i18n');
    var box = document.getElementById('server-errors');
    var button = document.getElementById('complete');
    mount(el, schema, readJson('form-data'), el.dataset.editable === 'true').then(function (form) {
      el.dataset.ready = 'true';
      if (!button) { return; }
      button.addEventListener('click', function () {
        submit(form, schema, el.dataset.submit, function () {
          return { case_version: parseInt(el.dataset.caseVersion, 10) };
        }, box, i18n, button);
      });
    });
  }
})();
