/*
 * log.h - the one logging module: levels, stderr or syslog.
 */
#ifndef LIB_LOG_H
#define LIB_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void	log_init(const char *ident, bool to_stderr, enum log_level level);
void	log_set_level(enum log_level level);
bool	log_enabled(enum log_level level);

void	log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);	/* appends errno */
void	log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
