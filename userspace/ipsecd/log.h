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
 * A line that a peer (or anyone forging its address) can cause at will:
 * logged at most once a second per kind (a string literal).  The lines of
 * the rest of that second are not shown but counted: the next line of the
 * kind says "LINE (and N more like it, not shown)", and if none comes, the
 * last suppressed line is written so after a quiet second.
 */
void log_limited(enum log_level level, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes the held lines of seconds that are over; true if some are still held. */
bool log_limited_flush(void);

/*
 * -W FILE, for tests and debugging only: each phase 1 SA's initiator cookie
 * and encryption key appended to FILE (mode 0600) as a line of Wireshark's
 * ikev1_decryption_table (ICOOKIE,KEY in hex), so that tshark can read
 * the encrypted exchanges.  NULL (the default): nothing is written.
 */
extern const char *keylog_path;
void log_p1_key(const unsigned char *icky, const unsigned char *key, size_t len);

/* A dropped datagram, counted by the caller; log_limited() with why as kind. */
void log_drop(const char *peer, const char *why);

#endif /* IPSECD_LOG_H */
