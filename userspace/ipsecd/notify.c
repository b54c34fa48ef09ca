// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness for a service manager (notify.h).  ipsecd.service is
 * Type=notify so that kipsec.service, ordered after it, runs
 * `ipsecctl -f /etc/ipsec.conf` only once ipsecd answers on its control
 * socket: the ike rules of the file go there.  A plain fork-and-wait
 * would race with the socket's creation.
 *
 * $NOTIFY_SOCKET is the path of a datagram socket, or, starting with '@',
 * a name in the abstract namespace (unix(7)).  The protocol is one
 * datagram of "VARIABLE=value" lines, so it is written here rather than
 * taken from a library.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

int notify_manager(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		log_warn("NOTIFY_SOCKET=%s: not a socket path; the service manager is not told %s",
			 path, state);
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("telling the service manager %s: %s", state, strerror(errno));
		return -1;
	}
	/* The length, not a NUL, ends an abstract name. */
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	if (n < 0)
		log_warn("telling the service manager %s on %s: %s", state, path, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}
