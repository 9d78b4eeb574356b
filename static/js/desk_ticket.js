/* desk_ticket.js: enhancements of the ticket workspace; the page works
 * without it. Presence: every 10 s (and while typing) POST
 * /desk/tickets/{number}/presence with _csrf and typing=1|0, and show who
 * else is viewing or replying. Canned responses: typing "/" and a prefix in
 * the message offers matches from GET /desk/canned?q=&ticket= in a listbox (arrows,
 * Enter, Escape); choosing one puts its /shortcut in the text, which the
 * server expands on send. */
(function () {
  'use strict';
  var box = document.getElementById('presence');
  var body = document.getElementById('f-body');
  if (!box || !body) return;
  var url = box.getAttribute('data-presence');
  var csrf = box.getAttribute('data-csrf');
  var typingUntil = 0;

  function show(others) {
    box.textContent = '';
    if (!others.length) return;
    var p = document.createElement('p');
    p.className = 'notice';
    others.forEach(function (o) {
      var s = document.createElement('span');
      s.className = 'presence-who';
      s.textContent = o.name + (o.typing ? ' is replying' : ' is viewing');
      p.appendChild(s);
      p.appendChild(document.createTextNode(' '));
    });
    box.appendChild(p);
  }

  function ping() {
    var data = new URLSearchParams();
    data.set('_csrf', csrf);
    data.set('typing', Date.now() < typingUntil ? '1' : '0');
    fetch(url, { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j && j.others) show(j.others); })
      .catch(function () {});
  }
  setInterval(ping, 10000);
  var lastTypingPing = 0;

  /* Canned responses */
  var list = document.getElementById('canned-list');
  var items = [], active = -1, tokenStart = -1, timer = null;

  function close() {
    list.hidden = true;
    list.textContent = '';
    items = [];
    active = -1;
    body.removeAttribute('aria-activedescendant');
  }
  function choose(i) {
    var it = items[i];
    if (!it) return;
    var v = body.value, end = body.selectionStart;
    body.value = v.slice(0, tokenStart) + '/' + it.shortcut + ' ' + v.slice(end);
    var pos = tokenStart + it.shortcut.length + 2;
    body.setSelectionRange(pos, pos);
    close();
    body.focus();
  }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, k) {
      li.setAttribute('aria-selected', k === i ? 'true' : 'false');
    });
    if (i >= 0) body.setAttribute('aria-activedescendant', 'canned-' + i);
  }
  function offer(prefix) {
    var ticket = body.getAttribute('data-ticket');
    fetch('/desk/canned?q=' + encodeURIComponent(prefix) + (ticket ? '&ticket=' + encodeURIComponent(ticket) : ''),
      { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (j) {
        close();
        items = j || [];
        if (!items.length) return;
        items.forEach(function (it, k) {
          var li = document.createElement('li');
          li.id = 'canned-' + k;
          li.setAttribute('role', 'option');
          li.setAttribute('aria-selected', 'false');
          li.textContent = '/' + it.shortcut + ' — ' + it.title;
          li.addEventListener('mousedown', function (e) { e.preventDefault(); choose(k); });
          list.appendChild(li);
        });
        list.hidden = false;
        mark(0);
      })
      .catch(close);
  }
  body.setAttribute('aria-controls', 'canned-list');
  body.setAttribute('aria-autocomplete', 'list');
  body.addEventListener('input', function () {
    typingUntil = Date.now() + 15000;
    if (Date.now() - lastTypingPing > 5000) { lastTypingPing = Date.now(); ping(); }
    var v = body.value.slice(0, body.selectionStart);
    var m = /(^|\s)\/([a-z0-9_-]{0,48})$/.exec(v);
    if (!m) { close(); return; }
    tokenStart = v.length - m[2].length - 1;
    clearTimeout(timer);
    timer = setTimeout(function () { offer(m[2]); }, 150);
  });
  body.addEventListener('keydown', function (e) {
    if (list.hidden || !items.length) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); mark((active + 1) % items.length); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); mark((active - 1 + items.length) % items.length); }
    else if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); choose(active); }
    else if (e.key === 'Escape') { close(); }
  });
  body.addEventListener('blur', function () { setTimeout(close, 100); });
})();

// The time spent's timer: Start counts from now, Stop writes the minutes
// (rounded up, added to what the field holds) into the compose box's field.
// Without scripts the field is typed by hand.
(function () {
  var box = document.getElementById('time-timer');
  var button = document.getElementById('time-timer-button');
  var shown = document.getElementById('time-timer-shown');
  var field = document.getElementById('f-time-minutes');
  if (!box || !button || !shown || !field) return;
  box.hidden = false;
  var started = 0, tick = null;
  function show() {
    var s = Math.floor((Date.now() - started) / 1000);
    shown.textContent = Math.floor(s / 60) + ' min ' + (s % 60 < 10 ? '0' : '') + (s % 60) + ' s';
  }
  button.addEventListener('click', function () {
    if (!started) {
      started = Date.now();
      button.textContent = 'Stop timer';
      show();
      tick = setInterval(show, 1000);
      return;
    }
    clearInterval(tick);
    var minutes = Math.max(1, Math.ceil((Date.now() - started) / 60000));
    var had = parseInt(field.value, 10);
    if (/^\d+$/.test(field.value) && had > 0) minutes += had;
    field.value = String(Math.min(minutes, 1440));
    shown.textContent = minutes + ' min written into the field';
    started = 0;
    button.textContent = 'Start timer';
  });
})();
