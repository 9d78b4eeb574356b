/* captcha.js: solves the proof-of-work captcha of a form, in a worker.
 *
 * Markup it serves (no inline script, CSP script-src 'self'):
 *   <div class="captcha" data-challenge-url="/captcha/challenge?form=submit"
 *        data-challenge='{"algorithm":"SHA-256",...}'>
 *     <input type="hidden" name="altcha">
 *     <p class="captcha-status" role="status" aria-live="polite"></p>
 *   </div>
 * The hidden input and the status line are created when missing. The form's
 * submit buttons stay disabled until the payload is written; if anything
 * fails they are enabled again and the server explains the refusal. The
 * embedded challenge saves a request; when it is missing or about to
 * expire, a fresh one comes from data-challenge-url, and a solved one is
 * renewed before it expires so a slow writer is not refused. */
(function () {
	'use strict';

	var script = document.currentScript;
	var SOLVER = script && script.src ? script.src.replace(/[^/]*$/, 'altcha-solver.js') : '/static/js/altcha-solver.js';
	var MARGIN_S = 60; /* a challenge closer than this to its expiry is not used */

	function expiresOf(c) {
		var m = /[?&]expires=(\d+)&/.exec(c.salt || '');
		return m ? parseInt(m[1], 10) : 0;
	}

	function usable(c) {
		return c && c.algorithm === 'SHA-256' && typeof c.salt === 'string' && typeof c.challenge === 'string' &&
		    expiresOf(c) - Date.now() / 1000 > MARGIN_S;
	}

	function fetchChallenge(url) {
		if (!url) return Promise.reject(new Error('no challenge url'));
		return fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
		    .then(function (res) {
			    if (!res.ok) throw new Error('HTTP ' + res.status);
			    return res.json();
		    });
	}

	function solve(c) {
		return new Promise(function (resolve, reject) {
			var w = new Worker(SOLVER);
			w.onmessage = function (ev) {
				w.terminate();
				var d = ev.data || {};
				if (typeof d.number === 'number') resolve(d.number);
				else reject(new Error(d.error || 'no solution'));
			};
			w.onerror = function (ev) {
				w.terminate();
				reject(new Error(ev.message || 'worker failed'));
			};
			w.postMessage({ challenge: c.challenge, salt: c.salt, algorithm: c.algorithm,
			    maxnumber: c.maxnumber !== undefined ? c.maxnumber : c.maxNumber });
		});
	}

	function setup(box) {
		var form = box.closest('form');
		var input = (form || box).querySelector('input[name="altcha"]');
		if (!input) {
			input = document.createElement('input');
			input.type = 'hidden';
			input.name = 'altcha';
			box.appendChild(input);
		}
		var status = box.querySelector('[aria-live]');
		if (!status) {
			status = document.createElement('p');
			status.className = 'captcha-status';
			status.setAttribute('role', 'status');
			status.setAttribute('aria-live', 'polite');
			box.appendChild(status);
		}
		var buttons = form ? form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]') : [];
		var url = box.getAttribute('data-challenge-url');
		var solved = false, renewTimer = 0;

		function lock(on) {
			for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
			box.setAttribute('aria-busy', on ? 'true' : 'false');
		}

		function run(embedded, attempt) {
			var c = null;
			try { c = embedded ? JSON.parse(embedded) : null; } catch (e) { c = null; }
			if (!solved) {
				lock(true);
				status.textContent = 'Verifying you are human\u2026';
			}
			(usable(c) ? Promise.resolve(c) : fetchChallenge(url)).then(function (fresh) {
				c = fresh;
				if (!usable(c)) throw new Error('unusable challenge');
				return solve(c);
			}).then(function (number) {
				input.value = btoa(JSON.stringify({ algorithm: c.algorithm, challenge: c.challenge,
				    number: number, salt: c.salt, signature: c.signature }));
				solved = true;
				box.classList.add('captcha-done');
				status.textContent = 'Verified';
				lock(false);
				if (url) {
					clearTimeout(renewTimer);
					var ms = (expiresOf(c) - MARGIN_S) * 1000 - Date.now();
					renewTimer = setTimeout(function () { run(null, 0); }, Math.max(ms, 10000));
				}
			}).catch(function () {
				if (attempt === 0 && url) {
					run(null, 1);
					return;
				}
				if (!solved) {
					input.value = '';
					status.textContent = 'Could not verify you are human. You can still send the form; ' +
					    'if it is refused, reload the page.';
				}
				lock(false);
			});
		}

		if (form) {
			form.addEventListener('submit', function (ev) {
				if (!solved && buttons.length && buttons[0].disabled) ev.preventDefault();
			});
		}
		run(box.getAttribute('data-challenge'), 0);
	}

	function start() {
		if (typeof Worker === 'undefined' || typeof Promise === 'undefined') return;
		var boxes = document.querySelectorAll('div.captcha');
		for (var i = 0; i < boxes.length; i++) setup(boxes[i]);
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
