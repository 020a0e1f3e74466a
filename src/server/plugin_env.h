/* plugin_env.h - the environment a channel plugin is started with: the
 * server's own, plus where to publish application metrics
 * (HIRO_STATSD_SOCKET, and HIRO_STATSD_UDP_PORT when UDP is on) and its
 * plugin name (HIRO_PLUGIN_NAME). */
#ifndef HIRO_PLUGIN_ENV_H
#define HIRO_PLUGIN_ENV_H

/* A new NULL-terminated environment: every entry of environ except earlier
 * values of the three variables, then HIRO_STATSD_SOCKET=socket_path (left
 * out when socket_path is NULL or empty), HIRO_STATSD_UDP_PORT=udp_port
 * (left out when 0) and HIRO_PLUGIN_NAME=name. Built before fork (the child
 * may not allocate); free with plugin_env_free. Never fails. */
char **plugin_env_build(const char *socket_path, int udp_port, const char *name);
void plugin_env_free(char **env);

#endif
