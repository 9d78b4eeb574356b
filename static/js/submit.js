// submit.js: with scripts on, choosing a request type shows its fields at
// once; without them the form works in two steps (choose, then fill in).
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var picker = document.getElementById('type-picker');
  var select = document.getElementById('request_type');
  var form = document.getElementById('submit-form');
  var hidden = document.getElementById('request_type_value');
  if (!picker || !select || !form || !hidden) return;

  function show(typeId) {
    hidden.value = typeId;
    form.hidden = !typeId;
    var parts = form.querySelectorAll('[data-request-type]');
    for (var i = 0; i < parts.length; i++) {
      var on = parts[i].getAttribute('data-request-type') === typeId;
      parts[i].hidden = !on;
      // Hidden fields of other types must not be sent or validated.
      if (parts[i].tagName === 'FIELDSET') parts[i].disabled = !on;
    }
  }

  select.addEventListener('change', function () { show(select.value); });
  picker.addEventListener('submit', function (e) {
    e.preventDefault();
    show(select.value);
    if (select.value) {
      var first = form.querySelector('fieldset:not([disabled]) input, #f-email, #f-title');
      if (first) first.focus();
    }
  });
  if (select.value) show(select.value);

  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();
})();
