/* Start page: start form (form-js) + unit, title and party; party errors appear next to the party inputs. */
(function () {
  'use strict';
  var button = document.getElementById('start');
  if (!button) { return; }
  var F = window.zhifaForms, schema = F.readJson('form-schema'), i18n = F.readJson('i18n');
  var box = document.getElementById('server-errors'), el = document.getElementById('form');

  function party() {
    var out = {};
    document.querySelectorAll('#party [name]').forEach(function (input) {
      out[input.name] = input.value.trim() || null;
    });
    out.kind = out.kind || 'person';
    return out;
  }

  function markParty(errors) {
    document.querySelectorAll('#party .field-error').forEach(function (n) { n.remove(); });
    Object.keys(errors || {}).forEach(function (key) {
      var input = key.indexOf('party.') === 0 && document.querySelector('#party [name="' + key.slice(6) + '"]');
      if (!input) { return; }
      var note = document.createElement('span');
      note.className = 'field-error';
      note.textContent = errors[key].join('; ');
      input.insertAdjacentElement('afterend', note);
    });
  }

  var original = F.showErrors;
  F.showErrors = function (form, sch, errors, b, text) {
    markParty(errors);
    var rest = {};
    Object.keys(errors || {}).forEach(function (k) { if (k.indexOf('party.') !== 0) { rest[k] = errors[k]; } });
    original(form, sch, rest, b, text);
  };

  F.mount(el, schema, {}, true).then(function (form) {
    el.dataset.ready = 'true';
    button.addEventListener('click', function () {
      F.submit(form, schema, button.dataset.submit, function () {
        return { procedure: button.dataset.procedure, unit: document.getElementById('unit').value,
                 title: document.getElementById('title').value, party: party() };
      }, box, i18n, button);
    });
  });
})();
