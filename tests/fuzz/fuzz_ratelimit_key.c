/* fuzz_ratelimit_key.c: libFuzzer target for the rate-limit counter key
 * parser (the blocks page's hidden field and SCAN's answers) and the event
 * time parser (the events page's datetime-local inputs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv/kv.h"
#include "model/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ratelimit_key k;
	if (ratelimit_key_parse((const char *)data, size, &k)) {
		/* Accepted means exactly the key it formats back into. */
		char out[RATELIMIT_KEY_MAX];
		ratelimit_key_format(&k, out);
		if (strlen(out) != size || memcmp(out, data, size) != 0)
			abort();
		if (strlen(k.hash) != RATELIMIT_HASH_HEX || !*k.action || strlen(k.action) > RATELIMIT_ACTION_MAX)
			abort();
	}
	if (size < 64) {
		char s[64], t[17];
		memcpy(s, data, size);
		s[size] = '\0';
		if (event_time_parse(s, t)) {
			if (strlen(t) != 16 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':')
				abort();
			/* Normalised output parses to itself. */
			char u[17];
			if (!event_time_parse(t, u) || strcmp(t, u) != 0)
				abort();
		}
	}
	return 0;
}
