/*
 * LD_PRELOAD shim that lets keepalived's checker run on a kernel without IPVS,
 * for the core bench only (bench/keepalived-peer.ts compiles it with gcc into
 * a temporary directory at bench time; no binary is committed).
 *
 * keepalived 2.2.7 (keepalived/check/libipvs.c) first tries IPVS's generic
 * netlink family: genl_ctrl_resolve(sock, "IPVS"). Where that fails it falls
 * back to the old interface on a raw socket, getsockopt/setsockopt at
 * IPPROTO_IP with the IP_VS_SO_* options, and ipvs_init() needs only
 * IP_VS_SO_GET_INFO to answer. Without IPVS in the kernel both fail, ipvs_start()
 * logs "IPVS: Can't initialize ipvs" and the checker child exits with a
 * permanent error before any check runs.
 *
 * The shim makes the netlink lookup of "IPVS" fail always (so keepalived takes
 * the socket-option path even on a kernel that has IPVS: the shim never
 * touches a real IPVS table) and answers every IP_VS_SO_* option itself:
 *   - set commands (add/edit/delete service or destination, flush, timeouts,
 *     sync daemon) succeed and change nothing;
 *   - GET_VERSION and GET_INFO answer IPVS 1.2.1 with no virtual service;
 *   - GET_SERVICES answers an empty table; GET_SERVICE and GET_DESTS answer
 *     ESRCH (no such service), as the kernel does for a service it lacks;
 *   - GET_TIMEOUT answers the kernel's defaults, or what was last set;
 *   - GET_DAEMON answers no sync daemon.
 * Every other socket option and netlink family goes to the real functions.
 * It is a measurement aid: keepalived's checks run and its IPVS changes go
 * nowhere. RSGUARD_IPVS_SHIM_TRACE=1 writes each answered call to stderr.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>

/* libnl-3's NLE_OBJ_NOTFOUND (netlink/errno.h): what genl_ctrl_resolve returns for a family the kernel lacks. */
#define SHIM_NLE_OBJ_NOTFOUND 12

static struct ip_vs_timeout_user timeouts = { 900, 120, 300 }; /* the kernel's defaults */

static int trace(void)
{
	static int on = -1;
	if (on < 0) {
		const char *v = getenv("RSGUARD_IPVS_SHIM_TRACE");
		on = v && *v && strcmp(v, "0") != 0;
	}
	return on;
}

static int is_ipvs(int level, int optname)
{
	return level == IPPROTO_IP && optname >= IP_VS_BASE_CTL && optname <= IP_VS_SO_SET_MAX;
}

int genl_ctrl_resolve(void *sk, const char *name)
{
	static int (*real)(void *, const char *);
	if (name && strcmp(name, "IPVS") == 0) {
		if (trace()) fprintf(stderr, "ipvs-shim[%d]: genl_ctrl_resolve(IPVS) -> not found\n", getpid());
		return -SHIM_NLE_OBJ_NOTFOUND;
	}
	if (!real) real = (int (*)(void *, const char *))dlsym(RTLD_NEXT, "genl_ctrl_resolve");
	return real ? real(sk, name) : -SHIM_NLE_OBJ_NOTFOUND;
}

int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	if (!is_ipvs(level, optname)) {
		if (!real) real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
		return real(fd, level, optname, optval, optlen);
	}
	if (optname == IP_VS_SO_SET_TIMEOUT && optval && optlen >= sizeof(timeouts)) {
		const struct ip_vs_timeout_user *t = optval;
		/* The kernel keeps a value of 0 unchanged. */
		if (t->tcp_timeout) timeouts.tcp_timeout = t->tcp_timeout;
		if (t->tcp_fin_timeout) timeouts.tcp_fin_timeout = t->tcp_fin_timeout;
		if (t->udp_timeout) timeouts.udp_timeout = t->udp_timeout;
	}
	if (trace()) fprintf(stderr, "ipvs-shim[%d]: setsockopt(IP_VS_BASE_CTL+%d, %u bytes) -> 0\n", getpid(), optname - IP_VS_BASE_CTL, (unsigned)optlen);
	return 0;
}

int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	static int (*real)(int, int, int, void *, socklen_t *);
	if (!is_ipvs(level, optname) || optname > IP_VS_SO_GET_MAX) {
		if (!real) real = (int (*)(int, int, int, void *, socklen_t *))dlsym(RTLD_NEXT, "getsockopt");
		return real(fd, level, optname, optval, optlen);
	}
	size_t len = optlen ? *optlen : 0;
	int rc = 0, err = 0;
	switch (optname) {
	case IP_VS_SO_GET_VERSION: {
		char v[64];
		snprintf(v, sizeof(v), "IP Virtual Server version 1.2.1 (size=4096)");
		if (len < strlen(v) + 1) { err = EINVAL; break; }
		memcpy(optval, v, strlen(v) + 1);
		*optlen = strlen(v) + 1;
		break;
	}
	case IP_VS_SO_GET_INFO: {
		struct ip_vs_getinfo info = { .version = (1 << 16) | (2 << 8) | 1, .size = 4096, .num_services = 0 };
		if (len != sizeof(info)) { err = EINVAL; break; }
		memcpy(optval, &info, sizeof(info));
		break;
	}
	case IP_VS_SO_GET_SERVICES: {
		/* The caller sizes its buffer from GET_INFO's num_services, 0 here: an empty table. */
		if (len < sizeof(struct ip_vs_get_services)) { err = EINVAL; break; }
		memset(optval, 0, len);
		break;
	}
	case IP_VS_SO_GET_SERVICE:
	case IP_VS_SO_GET_DESTS:
	case IP_VS_SO_GET_DEST:
		err = ESRCH; /* no such virtual service: the table is empty */
		break;
	case IP_VS_SO_GET_TIMEOUT:
		if (len != sizeof(timeouts)) { err = EINVAL; break; }
		memcpy(optval, &timeouts, sizeof(timeouts));
		break;
	case IP_VS_SO_GET_DAEMON: {
		/* Two entries (master, backup), state 0: no sync daemon running. */
		if (len != 2 * sizeof(struct ip_vs_daemon_user)) { err = EINVAL; break; }
		memset(optval, 0, len);
		break;
	}
	default:
		err = EINVAL;
	}
	if (err) { errno = err; rc = -1; }
	if (trace()) fprintf(stderr, "ipvs-shim[%d]: getsockopt(IP_VS_BASE_CTL+%d, %zu bytes) -> %d%s%s\n", getpid(), optname - IP_VS_BASE_CTL, len, rc, err ? " " : "", err ? strerror(err) : "");
	return rc;
}
