// submit.js: with scripts on, choosing a request type shows its fields at
// once (fetched from /submit/fields); without them the form works in two
// steps (choose and continue, then fill in).
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var picker = document.getElementById('type-picker');
  var select = document.getElementById('request_type');
  var form = document.getElementById('submit-form');
  var hidden = document.getElementById('request_type_value');
  var details = document.getElementById('type-details');
  if (!picker || !select || !form || !hidden || !details) return;

  var shown = hidden.value; // the type whose fields the server rendered
  // Each choice fetches its fields; only the answer to the latest choice is
  // used. An earlier fetch is left to finish and ignored rather than
  // aborted: nothing is cut off half-way, whatever the timing.
  var latest = 0;

  function show(typeId) {
    hidden.value = typeId;
    form.hidden = !typeId;
    if (!typeId || typeId === shown) return;
    var seq = ++latest;
    details.setAttribute('aria-busy', 'true');
    fetch('/submit/fields?request_type=' + encodeURIComponent(typeId), { credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        if (seq !== latest) return;
        // Our own server-rendered, escaped markup for this form.
        details.innerHTML = html;
        shown = typeId;
      })
      .catch(function () {
        if (seq !== latest) return;
        // Fall back to the two-step form: load the page for this type.
        window.location.href = '/submit?request_type=' + encodeURIComponent(typeId);
      })
      .finally(function () {
        if (seq === latest) details.removeAttribute('aria-busy');
      });
  }

  select.addEventListener('change', function () { show(select.value); });
  picker.addEventListener('submit', function (e) {
    e.preventDefault();
    show(select.value);
    if (select.value) {
      var first = document.getElementById('f-email') || document.getElementById('f-title');
      if (first) first.focus();
    }
  });
  if (select.value) show(select.value);

  // Deflection: as the title is typed, up to five help center articles
  // that match it (GET /kb/suggest, JSON of title and url). The list is
  // built with text nodes only. Only the answer to the latest input is
  // used, as for the fields above.
  var title = document.getElementById('f-title');
  var live = document.getElementById('kb-suggest-live');
  if (title && live) {
    var timer = null;
    var asked = 0;
    var render = function (items) {
      while (live.firstChild) live.removeChild(live.firstChild);
      if (!items.length) { live.hidden = true; return; }
      var h = document.createElement('p');
      h.className = 'kb-suggest-title';
      h.textContent = 'These articles may already answer it:';
      var ul = document.createElement('ul');
      ul.className = 'kb-list';
      items.slice(0, 5).forEach(function (it) {
        if (typeof it.url !== 'string' || it.url.indexOf('/kb/articles/') !== 0) return;
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = it.url + '?from=submit';
        a.textContent = String(it.title);
        li.appendChild(a);
        ul.appendChild(li);
      });
      live.appendChild(h);
      live.appendChild(ul);
      live.hidden = false;
    };
    var ask = function () {
      var q = title.value.trim();
      var seq = ++asked;
      if (q.length < 3) { render([]); return; }
      fetch('/kb/suggest?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (items) { if (seq === asked && Array.isArray(items)) render(items); })
        .catch(function () { if (seq === asked) render([]); });
    };
    title.addEventListener('input', function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
    if (title.value) ask();
  }

  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();
})();
