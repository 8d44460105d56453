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

  /* form-js validates in English; officers read Chinese. */
  var ZH = [
    [/^Field is required\.$/, '必填项'],
    [/^Field must have minimum value of (.+)\.$/, '不能小于 $1'],
    [/^Field must have maximum value of (.+)\.$/, '不能大于 $1'],
    [/^Field must have minimum length of (.+)\.$/, '至少 $1 个字符'],
    [/^Field must have maximum length of (.+)\.$/, '最多 $1 个字符'],
    [/^Field must match pattern .*$/, '格式不正确'],
    [/^Field must be a valid email\.$/, '不是有效的电子邮箱'],
    [/^Field must be a valid\s+international phone number.*$/, '不是有效的电话号码'],
    [/^Value is not a number\.$/, '请输入数字'],
    [/^Value is expected to be an integer\.$/, '请输入整数'],
    [/^Value is expected to have at most (\d+) decimal digits?\.$/, '最多 $1 位小数'],
    [/^Please select a valid value, the two nearest valid values are (.+) and (.+)\.$/, '请输入有效值（最接近的有效值为 $1 和 $2）'],
    [/^(Min|Max) validation value is not a valid number\.$/, '校验规则有误']
  ];
  function zh(message) {
    for (var i = 0; i < ZH.length; i++) { if (ZH[i][0].test(message)) { return message.replace(ZH[i][0], ZH[i][1]); } }
    return message;
  }
  function chineseValidation(form) {
    if ((document.documentElement.lang || '').indexOf('zh') !== 0) { return; }
    var validator;
    try { validator = form.get('validator'); } catch (e) { return; }
    ['validateField', 'validateFieldInstance'].forEach(function (name) {
      if (typeof validator[name] !== 'function') { return; }
      var original = validator[name].bind(validator);
      validator[name] = function () { return (original.apply(null, arguments) || []).map(zh); };
    });
  }

  /* form-js's date picker (flatpickr, bundled inside form-js) speaks English and formats dates the browser's way.
     In the Chinese UI: flatpickr's own Chinese locale (npm flatpickr/dist/l10n/zh.js: month and weekday names,
     weeks from Monday) and dates as the law writes them, 2026年11月30日; typed dates are read in that form or as
     2026-11-30 / 2026/11/30 / 2026.11.30. The value form-js submits stays an ISO date. */
  function parseLoose(text) {
    var m = /^\s*(\d{4})\s*[年\-\/.]\s*(\d{1,2})\s*[月\-\/.]\s*(\d{1,2})\s*日?\s*$/.exec(String(text));
    if (m) { return new Date(+m[1], +m[2] - 1, +m[3]); }
    m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(String(text));  // form-js's own minimum date (01/01/1900)
    return m ? new Date(+m[3], +m[1] - 1, +m[2]) : undefined;
  }
  var ZH_DATES = { dateFormat: 'Y年n月j日', parseDate: parseLoose };
  function localiseDates(root) {
    var locale = window.zh && (window.zh.Mandarin || (window.zh.default || {}).zh);
    if (!locale || (document.documentElement.lang || '').indexOf('zh') !== 0) { return; }
    function apply() {
      root.querySelectorAll('input.flatpickr-input').forEach(function (input) {
        var picker = input._flatpickr;
        if (!picker || picker.zhifaLocalised) { return; }
        picker.zhifaLocalised = true;
        input.placeholder = '如：2026年11月30日';
        picker.set(Object.assign({ locale: Object.assign({}, locale, { firstDayOfWeek: 1 }) }, ZH_DATES));  // GB/T 7408
      });
    }
    apply();
    new MutationObserver(apply).observe(root, { childList: true, subtree: true });  // fields shown later
  }

  /* form-js titles a date field by its dateLabel; forms saved without one showed a bare "*". */
  function dateLabels(components) {
    (components || []).forEach(function (c) {
      if (c.type === 'datetime' && c.label && !c.dateLabel && c.subtype !== 'time') { c.dateLabel = c.label; }
      dateLabels(c.components);
    });
  }

  /* form-js's own words on its widgets (select placeholder, search box, file picker), in Chinese. */
  var WIDGET_ZH = { 'Select': '请选择', 'Search': '搜索', 'No results': '无匹配项', 'All values selected': '已全部选择',
    'Browse': '选择文件', 'No files selected': '未选择文件', 'Increment': '增加', 'Decrement': '减少',
    'Previous page': '上一页', 'Next page': '下一页' };
  function localiseWidgets(root) {
    if ((document.documentElement.lang || '').indexOf('zh') !== 0) { return; }
    function apply() {
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var zh = WIDGET_ZH[node.nodeValue.trim()];
        if (zh && node.parentNode && !node.parentNode.closest('.fjs-form-field-label, .fjs-form-field-text')) {
          node.nodeValue = zh;
        }
      }
      root.querySelectorAll('[placeholder], [aria-label]').forEach(function (el) {
        ['placeholder', 'aria-label'].forEach(function (name) {
          var zh = WIDGET_ZH[el.getAttribute(name)];
          if (zh) { el.setAttribute(name, zh); }
        });
      });
    }
    apply();
    new MutationObserver(apply).observe(root, { childList: true, subtree: true, characterData: true });
  }

  async function mount(container, schema, data, editable) {
    if (!schema || !schema.components || !window.FormViewer) { return null; }
    dateLabels(schema.components);
    var form = await window.FormViewer.createForm({ container: container, schema: schema, data: data || {} });
    container.zhifaForm = form;  // for the page's own scripts (and the browser tests)
    localiseDates(container);
    localiseWidgets(container);
    chineseValidation(form);
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
      var refused = readJson('refused');
      if (refused) { showErrors(form, schema, refused, box, i18n.refused); }
      if (!button) { return; }
      button.addEventListener('click', function () {
        submit(form, schema, el.dataset.submit, function () {
          return { case_version: parseInt(el.dataset.caseVersion, 10) };
        }, box, i18n, button);
      });
    });
  }
})();
