/*
 * check-socket: the socket of a plain TCP or HTTP check, made with the
 * options HAProxy gives its check sockets, which Node cannot set (it has no
 * setsockopt). The JS side (src/lib/check-socket-native.ts) hands the
 * descriptor to libuv's TCP handle (uv_tcp_open) before connecting.
 *
 * TCP_QUICKACK off (the socket in "ping-pong" mode) before connect: the
 * kernel holds the handshake's last ACK back. A connect check closes with a
 * reset as soon as the SYN-ACK is in, so the server never completes the
 * connection (no full socket, no accept, no FIN/TIME_WAIT on its side; on
 * loopback that work is charged to the checker); an HTTP check's ACK rides
 * with its request, one packet less per check.
 *
 * Built by scripts/build-native.ts with the C compiler when there is one; a
 * rsguard without it makes its sockets through libuv as before.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>

/* checkSocket(family: 4 | 6): a non-blocking, close-on-exec TCP socket with quick ACK off; -errno on failure. */
static napi_value check_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t family = 4;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc > 0) napi_get_value_int32(env, argv[0], &family);
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) {
    napi_create_int32(env, -errno, &result);
    return result;
  }
  int off = 0;
  if (setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof off) < 0) {
    int err = errno;
    close(fd);
    napi_create_int32(env, -err, &result);
    return result;
  }
  napi_create_int32(env, fd, &result);
  return result;
}

/* closeFd(fd): for a descriptor libuv refused to take. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc > 0 && napi_get_value_int32(env, argv[0], &fd) == napi_ok && fd >= 0) close(fd);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "checkSocket", NAPI_AUTO_LENGTH, check_socket, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "checkSocket", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "closeFd", NAPI_AUTO_LENGTH, close_fd, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "closeFd", fn) != napi_ok) return NULL;
  return exports;
}
