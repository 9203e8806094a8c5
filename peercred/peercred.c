/*
 * peercred: reads the credentials of the process at the other end of a connected Unix socket
 * (SO_PEERCRED on Linux) so the agent can attest Workload API callers and
 * the server can name admin socket callers in its audit log.
 *
 * JavaScript: getPeerCred(fd: number) -> { pid: number, uid: number, gid: number }
 * Throws an Error whose `code` is the errno name (e.g. EBADF, ENOTSOCK) when getsockopt fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, int err) {
  const char *code = "EUNKNOWN";
  switch (err) {
    case EBADF: code = "EBADF"; break;
    case ENOTSOCK: code = "ENOTSOCK"; break;
    case ENOPROTOOPT: code = "ENOPROTOOPT"; break;
    case EINVAL: code = "EINVAL"; break;
    case ENOTCONN: code = "ENOTCONN"; break;
    default: break;
  }
  napi_throw_error(env, code, strerror(err));
  return NULL;
}

static napi_status set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value js;
  napi_status status = napi_create_int64(env, value, &js);
  if (status != napi_ok) return status;
  return napi_set_named_property(env, obj, name, js);
}

static napi_value get_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fd must be a non-negative integer");
    return NULL;
  }
#ifdef SO_PEERCRED
  struct ucred cred;
  socklen_t len = sizeof(cred);
  memset(&cred, 0, sizeof(cred));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return throw_errno(env, errno);
  }
  napi_value result;
  if (napi_create_object(env, &result) != napi_ok || set_int(env, result, "pid", cred.pid) != napi_ok ||
      set_int(env, result, "uid", cred.uid) != napi_ok || set_int(env, result, "gid", cred.gid) != napi_ok) {
    napi_throw_error(env, "EUNKNOWN", "cannot build the peer credential object");
    return NULL;
  }
  return result;
#else
  napi_throw_error(env, "ENOSYS", "SO_PEERCRED is not supported on this platform");
  return NULL;
#endif
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "getPeerCred", NAPI_AUTO_LENGTH, get_peer_cred, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "getPeerCred", fn) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
