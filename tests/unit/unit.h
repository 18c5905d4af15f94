/*
 * unit.h - the suites of the unit-test runner; each test_<module>.c
 * defines one suite_<module>() that registers its tests with CUnit.
 */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <CUnit/CUnit.h>

int	suite_record(void);
int	suite_msg(void);
int	suite_dispatch(void);
int	suite_handle(void);
int	suite_export_parse(void);
int	suite_export_match(void);
int	suite_errmap(void);
int	suite_createverf(void);
int	suite_readdir(void);
int	suite_drc(void);
int	suite_cred(void);

/*
 * A test file may register its suite itself instead of being listed in
 * main.c: UNIT_REGISTER(suite_foo); at file scope.
 */
void	unit_register(int (*suite)(void));
#define UNIT_REGISTER(fn) \
	static void fn##_register(void) __attribute__((constructor)); \
	static void fn##_register(void) { unit_register(fn); }

/* Add the NULL-terminated tests to a new suite named name. */
struct unit_test {
	const char	*name;
	void		(*fn)(void);
};
int	unit_add_suite(const char *name, const struct unit_test *tests);
/* The same with CUnit suite set-up and tear-down functions. */
int	unit_add_fixture(const char *name, int (*setup)(void),
	    int (*teardown)(void), const struct unit_test *tests);

/* Building RPC calls byte by byte (call.c). */
#include <stddef.h>
#include <stdint.h>

struct callbuf {
	uint8_t	b[4096];
	size_t	n;
};

void	cb_u32(struct callbuf *c, uint32_t v);
void	cb_opaque(struct callbuf *c, const void *data, size_t len);
/* xid, CALL, rpcvers, prog, vers, proc */
void	cb_head(struct callbuf *c, uint32_t xid, uint32_t rpcvers,
	    uint32_t prog, uint32_t vers, uint32_t proc);
/* An AUTH_SYS credential with ngids gids, then an AUTH_NONE verifier. */
void	cb_authsys(struct callbuf *c, const char *machine, uint32_t uid,
	    uint32_t gid, uint32_t ngids);
/* AUTH_NONE credential and verifier. */
void	cb_authnone(struct callbuf *c);

#endif
