/*
 * main.c - the unit-test runner: every suite, CUnit's basic interface.
 * Exit status is non-zero when any test failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "log.h"
#include "unit.h"

int
unit_add_suite(const char *name, const struct unit_test *tests)
{
	return unit_add_fixture(name, NULL, NULL, tests);
}

int
unit_add_fixture(const char *name, int (*setup)(void), int (*teardown)(void),
    const struct unit_test *tests)
{
	CU_pSuite s;

	if ((s = CU_add_suite(name, setup, teardown)) == NULL)
		return -1;
	for (; tests->name != NULL; tests++)
		if (CU_add_test(s, tests->name, tests->fn) == NULL)
			return -1;
	return 0;
}

#define MAX_REGISTERED	64

static int (*registered[MAX_REGISTERED])(void);
static size_t nregistered;

void
unit_register(int (*suite)(void))
{
	if (nregistered < MAX_REGISTERED)
		registered[nregistered++] = suite;
	else
		fprintf(stderr, "unit: more than %d registered suites\n",
		    MAX_REGISTERED);
}

static int
add_registered(void)
{
	size_t i;

	for (i = 0; i < nregistered; i++)
		if (registered[i]() != 0)
			return -1;
	return 0;
}

int
main(void)
{
	int (*suites[])(void) = {
		suite_record,
		suite_msg,
		suite_dispatch,
		suite_handle,
		suite_export_parse,
		suite_export_match,
		suite_errmap,
		suite_createverf,
		suite_readdir,
		suite_drc,
		suite_cred,
	};
	unsigned failed;
	size_t i;

	log_init("unit", true, LOG_LVL_ERROR);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i]() != 0) {
			fprintf(stderr, "cannot register suite %zu\n", i);
			CU_cleanup_registry();
			return 1;
		}
	if (add_registered() != 0) {
		fprintf(stderr, "cannot register a suite\n");
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
	    CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
