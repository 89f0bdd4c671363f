/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Subcommand options (subcmd.c): one parser for caps, cacert, check and otp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "subcmd.h"

struct seen {
	int keys[8];
	const char *values[8];
	int n;
};

static int record(void *arg, int key, const char *value, struct ns_err *err)
{
	struct seen *s = arg;

	if (value != NULL && strcmp(value, "bad") == 0)
		return ns_err_set(err, NS_CAUSE_CONFIG, "x: bad value");
	s->keys[s->n] = key;
	s->values[s->n++] = value;
	return 0;
}

static const struct ns_subopt opts[] = {
	{ "count", 'n', "a number" },
	{ "flag", 256, NULL },
	{ NULL, 0, NULL },
};

static int run(struct seen *s, struct ns_err *err, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(s, 0, sizeof(*s));
	ns_err_clear(err);
	return ns_subcmd_options(argc, argv, opts, "--count N, --flag", record, s, err);
}

static void test_options(void **state)
{
	char *ok[] = { "x", "--flag", "-n", "3", "--count=4", "--count", "5", NULL };
	char *dash[] = { "x", "--", "--flag", NULL };
	struct seen s;
	struct ns_err err;

	(void)state;
	assert_int_equal(run(&s, &err, ok), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.keys[0], 256);
	assert_null(s.values[0]);
	assert_int_equal(s.keys[1], 'n');
	assert_string_equal(s.values[1], "3");
	assert_string_equal(s.values[2], "4");
	assert_string_equal(s.values[3], "5");
	/* After "--" only arguments, and there are none to take. */
	assert_int_equal(run(&s, &err, dash), -1);
	assert_string_equal(err.msg, "x: unexpected argument \"--flag\"");
}

static void test_errors(void **state)
{
	char *unknown[] = { "x", "--frob", NULL };
	char *missing[] = { "x", "--count", NULL };
	char *missing_short[] = { "x", "-n", NULL };
	char *stray[] = { "x", "word", NULL };
	char *refused[] = { "x", "-n", "bad", NULL };
	struct seen s;
	struct ns_err err;

	(void)state;
	assert_int_equal(run(&s, &err, unknown), -1);
	assert_int_equal(err.cause, NS_CAUSE_CONFIG);
	assert_string_equal(err.msg, "x: unknown option --frob (--count N, --flag)");
	assert_int_equal(run(&s, &err, missing), -1);
	assert_string_equal(err.msg, "x: --count needs a number");
	assert_int_equal(run(&s, &err, missing_short), -1);
	assert_string_equal(err.msg, "x: -n needs a number");
	assert_int_equal(run(&s, &err, stray), -1);
	assert_string_equal(err.msg, "x: unexpected argument \"word\"");
	assert_int_equal(run(&s, &err, refused), -1);
	assert_string_equal(err.msg, "x: bad value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
