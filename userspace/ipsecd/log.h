/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsecd's log: one line per event, to stderr (with a time stamp) or to
 * syslog.  Failed negotiations are logged by log_fail(): one line naming
 * the peer, the phase and the cause, with both sides' values.
 */
#ifndef IPSECD_LOG_H
#define IPSECD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_L_ERR,
	LOG_L_WARN,
	LOG_L_INFO,
	LOG_L_DEBUG,
};

void log_open(bool use_syslog, int verbosity);
void log_close(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_L_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_L_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_L_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_L_DEBUG, __VA_ARGS__)

/*
 * A dropped datagram: counted by the caller, logged at most once a second
 * per kind, with the number suppressed since the last line.
 */
void log_drop(const char *peer, const char *why);

#endif /* IPSECD_LOG_H */
