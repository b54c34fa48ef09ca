// SPDX-License-Identifier: GPL-2.0
/*
 * notify_manager(): the datagram a service manager waits for (Type=notify)
 * arrives at a socket path and at an abstract name, carries exactly the
 * state, and nothing is sent without $NOTIFY_SOCKET or to a bad one.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "tap.h"

/* A datagram socket bound to name ('@' first: abstract), non-blocking. */
static int listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)))
		return -1;
	return fd;
}

/* What arrived on fd ("" for nothing). */
static const char *received(int fd)
{
	static char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

int main(void)
{
	char path[64], abstract[64];
	int fd, afd;

	log_open(false, 0);
	snprintf(path, sizeof(path), "/tmp/kipsec-notify-%d", (int)getpid());
	snprintf(abstract, sizeof(abstract), "@kipsec-notify-%d", (int)getpid());
	unlink(path);
	fd = listener(path);
	afd = listener(abstract);
	if (!ok(fd >= 0 && afd >= 0, "listening sockets"))
		return tap_done();

	unsetenv("NOTIFY_SOCKET");
	is_int(notify_manager("READY=1"), 0, "no NOTIFY_SOCKET: nothing to do");
	is_str(received(fd), "", "no NOTIFY_SOCKET: nothing sent");

	setenv("NOTIFY_SOCKET", path, 1);
	is_int(notify_manager("READY=1"), 0, "socket path: sent");
	is_str(received(fd), "READY=1", "socket path: exactly READY=1 arrives");
	is_int(notify_manager("STOPPING=1"), 0, "socket path: STOPPING=1 sent");
	is_str(received(fd), "STOPPING=1", "socket path: STOPPING=1 arrives");

	setenv("NOTIFY_SOCKET", abstract, 1);
	is_int(notify_manager("READY=1"), 0, "abstract name: sent");
	is_str(received(afd), "READY=1", "abstract name: READY=1 arrives");
	is_str(received(fd), "", "abstract name: nothing at the path");

	setenv("NOTIFY_SOCKET", "relative/socket", 1);
	is_int(notify_manager("READY=1"), -1, "a relative path is refused");
	setenv("NOTIFY_SOCKET", "/tmp/kipsec-notify-nobody-listens", 1);
	is_int(notify_manager("READY=1"), -1, "no one listening: an error, logged");

	close(fd);
	close(afd);
	unlink(path);
	return tap_done();
}
