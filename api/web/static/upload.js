/* Evidence upload: each chosen file is streamed as the request body (never buffered in a form), with
   progress; the server checks the type by content and the size per type. On success the page reloads
   so the case file shows the new file. */
(function () {
  'use strict';
  var csrf = document.querySelector('meta[name=csrf-token]').content;
  var i18n = JSON.parse((document.getElementById('upload-i18n') || {}).textContent || '{}');

  function send(url, file, note, status) {
    return new Promise(function (resolve) {
      var q = '?filename=' + encodeURIComponent(file.name || 'photo.jpg') + (note ? '&note=' + encodeURIComponent(note) : '');
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url + q);
      xhr.setRequestHeader('X-Requested-With', 'fetch');
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { status.textContent = file.name + ' ' + Math.round(100 * e.loaded / e.total) + '%'; }
      };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status === 201) { resolve(true); return; }
        var msg = body.detail || xhr.statusText;
        if (body.errors) { Object.keys(body.errors).forEach(function (k) { msg += ' ' + body.errors[k].join(' '); }); }
        status.textContent = (i18n.failed || 'Upload failed:') + ' ' + file.name + ' — ' + msg;
        status.className = 'status error';
        resolve(false);
      };
      xhr.onerror = function () { status.textContent = i18n.network || 'Network error'; status.className = 'status error'; resolve(false); };
      xhr.send(file);
    });
  }

  document.querySelectorAll('form.upload').forEach(function (form) {
    var status = form.querySelector('.status');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.querySelectorAll('input[type=file]').forEach(function (input) {
      input.addEventListener('change', async function () {
        var files = Array.prototype.slice.call(input.files || []);
        if (!files.length) { return; }
        status.className = 'status';
        var note = (form.querySelector('input.note') || {}).value || '';
        var ok = true;
        for (var i = 0; i < files.length; i++) { ok = (await send(form.dataset.url, files[i], note, status)) && ok; }
        input.value = '';
        if (ok) { status.textContent = i18n.done || 'Uploaded.'; window.location.reload(); }
      });
    });
  });
})();
