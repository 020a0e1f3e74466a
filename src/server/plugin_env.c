/* plugin_env.c - a plugin's environment: the server's plus the app-metrics
 * socket and the plugin's name. */
#include "server/plugin_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"

extern char **environ;

static const char SOCKET_VAR[] = "HIRO_STATSD_SOCKET";
static const char NAME_VAR[] = "HIRO_PLUGIN_NAME";
static const char UDP_VAR[] = "HIRO_STATSD_UDP_PORT";

static bool is_var(const char *entry, const char *name) {
  size_t n = strlen(name);
  return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static char *make_entry(const char *name, const char *value) {
  size_t n = strlen(name) + strlen(value) + 2;
  char *entry = xmalloc(n);
  snprintf(entry, n, "%s=%s", name, value);
  return entry;
}

char **plugin_env_build(const char *socket_path, int udp_port, const char *name) {
  size_t count = 0;
  for (char **e = environ; e && *e; e++) count++;
  char **env = xcalloc(count + 4, sizeof *env);
  size_t n = 0;
  for (char **e = environ; e && *e; e++)
    if (!is_var(*e, SOCKET_VAR) && !is_var(*e, NAME_VAR) && !is_var(*e, UDP_VAR))
      env[n++] = xstrdup(*e);
  if (socket_path && *socket_path) env[n++] = make_entry(SOCKET_VAR, socket_path);
  if (udp_port > 0) {
    char port[16];
    snprintf(port, sizeof port, "%d", udp_port);
    env[n++] = make_entry(UDP_VAR, port);
  }
  env[n++] = make_entry(NAME_VAR, name);
  return env;
}

void plugin_env_free(char **env) {
  if (!env) return;
  for (char **e = env; *e; e++) free(*e);
  free(env);
}
