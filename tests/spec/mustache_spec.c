/* mustache_spec.c: runs the official Mustache spec through `supportdesk render`, byte for byte. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAIN_NAME "__spec_main"
#define OUT_MAX (16u << 20)

static const char *const required[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials", "sections",
};
static const char *const optional[] = { "~inheritance" };

struct tally {
	int passed, failed;
};

static int file_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, len, f);
	return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* Prints s with C escapes so whitespace differences are visible. */
static void escaped_print(const char *label, const char *s, size_t n)
{
	printf("  %-9s \"", label);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default:
			if (c < 0x20 || c == 0x7f)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
	}
	fputs("\"\n", stdout);
}

/* Runs `bin render dir name data`, collecting stdout into *out. Returns
 * the exit status, or -1 when it could not run. */
static int render_run(const char *bin, const char *dir, const char *name, const char *data,
    const char *errpath, char **out, size_t *outlen)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (efd >= 0)
			dup2(efd, 2);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(bin, bin, "render", dir, name, data, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap >= OUT_MAX)
				break;
			cap *= 2;
			b = realloc(b, cap);
		}
		if (!b)
			break;
		ssize_t r = read(fds[0], b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*out = b;
	*outlen = n;
	if (!b)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void stderr_show(const char *errpath)
{
	FILE *f = fopen(errpath, "rb");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f))
		printf("  stderr:   %s", line);
	fclose(f);
}

static bool test_run(const char *bin, const char *file, json_t *t)
{
	const char *name = json_string_value(json_object_get(t, "name"));
	const char *desc = json_string_value(json_object_get(t, "desc"));
	json_t *jtmpl = json_object_get(t, "template");
	json_t *jexp = json_object_get(t, "expected");
	json_t *partials = json_object_get(t, "partials");
	json_t *data = json_object_get(t, "data");
	if (!name || !json_is_string(jtmpl) || !json_is_string(jexp)) {
		printf("FAIL [%s] %s: malformed test\n", file, name ? name : "?");
		return false;
	}

	const char *tmp = getenv("TMPDIR");
	char root[4096], dir[4200], path[8400], datapath[4200], errpath[4200];
	snprintf(root, sizeof root, "%s/sdspec.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		printf("FAIL [%s] %s: mkdtemp: %s\n", file, name, strerror(errno));
		return false;
	}
	snprintf(dir, sizeof dir, "%s/t", root);
	snprintf(datapath, sizeof datapath, "%s/DATA.json", root);
	snprintf(errpath, sizeof errpath, "%s/stderr", root);
	bool ok = false, setup = mkdir(dir, 0700) == 0;

	/* The main template gets a name no partial uses, so {{>x}} can never
	 * resolve to the test's own template by accident. */
	char main_name[64] = MAIN_NAME;
	for (int k = 0; partials && json_object_get(partials, main_name); k++)
		snprintf(main_name, sizeof main_name, MAIN_NAME "%d", k);
	snprintf(path, sizeof path, "%s/%s.mustache", dir, main_name);
	setup = setup && file_write(path, json_string_value(jtmpl), json_string_length(jtmpl)) == 0;
	const char *pname;
	json_t *pval;
	if (json_is_object(partials)) {
		json_object_foreach(partials, pname, pval) {
			snprintf(path, sizeof path, "%s/%s.mustache", dir, pname);
			setup = setup && json_is_string(pval) &&
			    file_write(path, json_string_value(pval), json_string_length(pval)) == 0;
		}
	}
	char *dj = json_dumps(data ? data : json_null(), JSON_ENCODE_ANY);
	setup = setup && dj && file_write(datapath, dj, strlen(dj)) == 0;
	free(dj);

	char *out = NULL;
	size_t outlen = 0;
	int rc = -1;
	if (setup)
		rc = render_run(bin, dir, main_name, datapath, errpath, &out, &outlen);
	const char *exp = json_string_value(jexp);
	size_t explen = json_string_length(jexp);
	ok = rc == 0 && outlen == explen && memcmp(out, exp, explen) == 0;
	if (!ok) {
		printf("FAIL [%s] %s: %s\n", file, name, desc ? desc : "");
		if (!setup)
			printf("  could not write the test files under %s\n", root);
		else if (rc != 0)
			printf("  exit status %d\n", rc);
		escaped_print("template:", json_string_value(jtmpl), json_string_length(jtmpl));
		if (json_is_object(partials)) {
			json_object_foreach(partials, pname, pval) {
				char label[64];
				snprintf(label, sizeof label, ">%s:", pname);
				if (json_is_string(pval))
					escaped_print(label, json_string_value(pval), json_string_length(pval));
			}
		}
		escaped_print("expected:", exp, explen);
		escaped_print("actual:", out ? out : "", outlen);
		size_t d = 0;
		while (d < explen && d < outlen && exp[d] == out[d])
			d++;
		printf("  first difference at byte %zu\n", d);
		stderr_show(errpath);
	}
	free(out);

	/* Clean up exactly what we created. */
	if (json_is_object(partials)) {
		json_object_foreach(partials, pname, pval) {
			snprintf(path, sizeof path, "%s/%s.mustache", dir, pname);
			unlink(path);
		}
	}
	snprintf(path, sizeof path, "%s/%s.mustache", dir, main_name);
	unlink(path);
	unlink(datapath);
	unlink(errpath);
	rmdir(dir);
	rmdir(root);
	return ok;
}

/* Runs every test of one spec file; returns -1 when the file is unusable. */
static int spec_file_run(const char *bin, const char *specdir, const char *file, struct tally *t)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.json", specdir, file);
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		printf("FAIL [%s] cannot load %s: %d:%d: %s\n", file, path, je.line, je.column, je.text);
		return -1;
	}
	json_t *tests = json_object_get(root, "tests");
	if (!json_is_array(tests) || json_array_size(tests) == 0) {
		printf("FAIL [%s] %s has no tests\n", file, path);
		json_decref(root);
		return -1;
	}
	size_t i;
	json_t *test;
	json_array_foreach(tests, i, test) {
		if (test_run(bin, file, test))
			t->passed++;
		else
			t->failed++;
	}
	json_decref(root);
	return 0;
}

int main(void)
{
	const char *specdir = getenv("MUSTACHE_SPEC_DIR");
	const char *bin = getenv("SUPPORTDESK_BIN");
	if (!specdir || !*specdir)
		specdir = "../shared/mustache-spec";
	if (!bin || !*bin)
		bin = "build/supportdesk";
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "mustache spec: %s is not executable (set SUPPORTDESK_BIN)\n", bin);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct tally req = { 0, 0 }, opt = { 0, 0 };
	bool broken = false;
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		broken |= spec_file_run(bin, specdir, required[i], &req) < 0;
	for (size_t i = 0; i < sizeof optional / sizeof *optional; i++)
		spec_file_run(bin, specdir, optional[i], &opt);

	printf("mustache spec (~inheritance): %d passed, %d failed\n", opt.passed, opt.failed);
	printf("mustache spec: %d passed, %d failed\n", req.passed, req.failed);
	return (broken || req.failed || req.passed == 0) ? 1 : 0;
}
