/* altcha-solver.js: Web Worker that solves a Supportdesk (ALTCHA-protocol)
 * proof-of-work challenge: finds number in 0..maxnumber such that
 * hex(SHA-256(salt + number)) == challenge.
 *
 * In:  {challenge, salt, maxnumber, algorithm}  (algorithm must be "SHA-256")
 * Out: {number, took} on success, {number: null, took} when no number fits,
 *      {error} on bad input.
 *
 * SHA-256 is computed in plain JS: the messages are short (one or two
 * blocks), and a synchronous loop avoids one promise per number, so it runs
 * several times faster than crypto.subtle.digest (which also needs a secure
 * context: plain-http installs would have no solver). Set mode: "subtle" in
 * the message to use crypto.subtle in parallel batches instead. */
(function () {
'use strict';

/* Everything lives in this closure: top-level vars would be properties of
 * the worker's global object, several times slower in the hot loop. */
var K = new Int32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);
var IV = new Int32Array([
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
]);
var W = new Int32Array(64);

/* SHA-256 of bytes[0..len) into H (8 words); bytes must have room for the
 * padding (a multiple of 64 past len + 9). */
function sha256(bytes, len, H) {
	var nblocks = (len + 9 + 63) >> 6, end = nblocks << 6, i, t;
	bytes[len] = 0x80;
	for (i = len + 1; i < end - 4; i++) bytes[i] = 0;
	t = len * 8;
	bytes[end - 4] = t >>> 24; bytes[end - 3] = t >>> 16; bytes[end - 2] = t >>> 8; bytes[end - 1] = t;
	H.set(IV);
	for (var b = 0; b < end; b += 64) {
		for (i = 0; i < 16; i++) {
			var o = b + i * 4;
			W[i] = bytes[o] << 24 | bytes[o + 1] << 16 | bytes[o + 2] << 8 | bytes[o + 3];
		}
		for (i = 16; i < 64; i++) {
			var w15 = W[i - 15], w2 = W[i - 2];
			var s0 = (w15 >>> 7 | w15 << 25) ^ (w15 >>> 18 | w15 << 14) ^ (w15 >>> 3);
			var s1 = (w2 >>> 17 | w2 << 15) ^ (w2 >>> 19 | w2 << 13) ^ (w2 >>> 10);
			W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
		}
		var a = H[0], bb = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
		for (i = 0; i < 64; i++) {
			var S1 = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
			var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
			var S0 = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
			var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
			h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
		}
		H[0] = (H[0] + a) | 0; H[1] = (H[1] + bb) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
		H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
	}
}

function hexWords(hex) {
	var out = new Int32Array(8);
	for (var i = 0; i < 8; i++) out[i] = parseInt(hex.substr(i * 8, 8), 16) | 0;
	return out;
}

function solveJs(salt, target, max) {
	var prefix = new TextEncoder().encode(salt);
	var bytes = new Uint8Array(prefix.length + 16 + 9 + 64);
	var H = new Int32Array(8), digits = new Uint8Array(16);
	bytes.set(prefix);
	for (var n = 0; n <= max; n++) {
		/* Decimal digits of n after the salt. */
		var k = 0, m = n;
		do { digits[k++] = 48 + m % 10; m = (m / 10) | 0; } while (m > 0);
		var len = prefix.length;
		while (k > 0) bytes[len++] = digits[--k];
		sha256(bytes, len, H);
		if (H[0] === target[0] && H[1] === target[1] && H[2] === target[2] && H[3] === target[3] &&
		    H[4] === target[4] && H[5] === target[5] && H[6] === target[6] && H[7] === target[7])
			return n;
	}
	return null;
}

function toHex(buf) {
	var b = new Uint8Array(buf), s = '';
	for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
	return s;
}

async function solveSubtle(salt, challenge, max) {
	var enc = new TextEncoder(), BATCH = 1000;
	for (var start = 0; start <= max; start += BATCH) {
		var jobs = [], stop = Math.min(start + BATCH - 1, max);
		for (var n = start; n <= stop; n++) jobs.push(crypto.subtle.digest('SHA-256', enc.encode(salt + n)));
		var hashes = await Promise.all(jobs);
		for (var i = 0; i < hashes.length; i++)
			if (toHex(hashes[i]) === challenge) return start + i;
	}
	return null;
}

self.onmessage = async function (ev) {
	var d = ev.data || {};
	var max = d.maxnumber !== undefined ? d.maxnumber : d.maxNumber;
	if (d.algorithm !== 'SHA-256' || typeof d.salt !== 'string' || typeof d.challenge !== 'string' ||
	    !/^[0-9a-f]{64}$/.test(d.challenge) || !(max >= 0 && max <= 1e9)) {
		self.postMessage({ error: 'bad challenge' });
		return;
	}
	var t0 = Date.now(), number;
	try {
		number = d.mode === 'subtle' ? await solveSubtle(d.salt, d.challenge, max)
		    : solveJs(d.salt, hexWords(d.challenge), max);
	} catch (e) {
		self.postMessage({ error: String(e) });
		return;
	}
	self.postMessage({ number: number, took: Date.now() - t0 });
};
})();
