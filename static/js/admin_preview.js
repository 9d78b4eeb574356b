// The admin preview of the public form: choosing another role puts that
// role's form in place, without leaving the select (focus stays, nothing
// navigates). Without scripts the "Show" button loads the same page.
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosubmit]');
  var preview = document.querySelector('.admin-preview');
  if (!form || !preview || !window.fetch || !window.DOMParser) return;
  var select = form.querySelector('select');
  if (!select) return;
  preview.setAttribute('aria-live', 'polite');
  var pending = 0;
  select.addEventListener('change', function () {
    var url = form.action + '?' + new URLSearchParams(new FormData(form)).toString();
    var mine = ++pending;
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.text(); })
      .then(function (html) {
        if (mine !== pending) return; // a later choice wins
        var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('.admin-preview');
        if (!fresh) throw new Error('no preview');
        preview.innerHTML = fresh.innerHTML;
        history.replaceState(null, '', url);
      })
      .catch(function () { form.submit(); });
  });
}());
