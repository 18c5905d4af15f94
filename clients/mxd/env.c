/*
 * env.c - one generation of mxd's configuration: the parsed config
 * file, the TLS context and the userdb handle, shared by the sessions
 * that started under it and freed when the last of them ends.  SIGHUP
 * installs a new generation; sessions in flight keep theirs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "mxd.h"

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mxd_env *current;

static void
env_free(struct mxd_env *env)
{
	userdb_cdb_close(&env->udb);
	if (env->tls != NULL)
		SSL_CTX_free(env->tls);
	conf_free(&env->conf);
	pthread_mutex_destroy(&env->udb_lock);
	free(env);
}

int
env_load(const char *file, struct mxd_env **out, char *err, size_t errlen)
{
	struct mxd_env *env;
	struct conf *c;

	*out = NULL;
	if ((env = calloc(1, sizeof(*env))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&env->udb_lock, NULL);
	env->refs = 1;
	if (conf_load(file, CONF_USES_MXD, &env->conf, err, errlen) != 0)
		goto fail;
	c = env->conf;
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		(void)snprintf(err, errlen, "%s: tls_cert and tls_key go "
		    "together", file);
		goto fail;
	}
	if (c->ndomains == 0) {
		(void)snprintf(err, errlen, "%s: local_domains: none given",
		    file);
		goto fail;
	}
	if (c->tls_cert != NULL &&
	    (env->tls = daemon_tls_ctx(c->tls_cert, c->tls_key, err, errlen)) ==
	    NULL)
		goto fail;
	if (userdb_cdb_open(c->userdb_db, &env->udb, err, errlen) != 0)
		goto fail;
	*out = env;
	return 0;
fail:
	env_free(env);
	return -1;
}

void
env_install(struct mxd_env *env)
{
	struct mxd_env *old;

	pthread_mutex_lock(&env_lock);
	old = current;
	current = env;
	pthread_mutex_unlock(&env_lock);
	env_put(&old);
}

struct mxd_env *
env_get(void)
{
	struct mxd_env *env;

	pthread_mutex_lock(&env_lock);
	if ((env = current) != NULL)
		env->refs++;
	pthread_mutex_unlock(&env_lock);
	return env;
}

void
env_put(struct mxd_env **envp)
{
	struct mxd_env *env = *envp;
	bool last;

	if (env == NULL)
		return;
	*envp = NULL;
	pthread_mutex_lock(&env_lock);
	last = --env->refs == 0;
	pthread_mutex_unlock(&env_lock);
	if (last)
		env_free(env);
}

int
env_lookup(struct mxd_env *env, const char *name, struct userdb_user **out,
    char *err, size_t errlen)
{
	int r;

	pthread_mutex_lock(&env->udb_lock);
	r = userdb_cdb_lookup(env->udb, name, out, err, errlen);
	pthread_mutex_unlock(&env->udb_lock);
	return r;
}
