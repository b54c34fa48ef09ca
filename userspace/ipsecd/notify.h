/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telling a service manager how ipsecd is doing (systemd's Type=notify,
 * the protocol of sd_notify(3)): one datagram "READY=1" once the control
 * socket listens, "STOPPING=1" when the shutdown begins.  Nothing is sent
 * when $NOTIFY_SOCKET is not set.
 */
#ifndef IPSECD_NOTIFY_H
#define IPSECD_NOTIFY_H

/* Sends STATE ("READY=1", ...) to $NOTIFY_SOCKET; 0, or -1 (logged). */
int notify_manager(const char *state);

#endif /* IPSECD_NOTIFY_H */
