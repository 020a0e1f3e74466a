/* udp_owner_linux.c - the process that owns a loopback UDP port: the
 * socket's inode from /proc/net/udp(6), then the process holding a
 * descriptor on it from /proc/PID/fd. UDP carries no sender credentials, so
 * this is how a UDP datagram is attributed to its sender by what the kernel
 * knows, never by what the packet claims. It reads many files: callers cache
 * the answer per port. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/linux/pfile.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* The port of a "ADDRHEX:PORTHEX" token, or -1. */
static int token_port(const char *tok, size_t len) {
  const char *colon = memchr(tok, ':', len);
  if (!colon) return -1;
  int port = 0;
  for (const char *p = colon + 1; p < tok + len; p++) {
    int d = hex_digit(*p);
    if (d < 0 || port > 0xfff) return -1;
    port = port * 16 + d;
  }
  return port;
}

/* Token number index (0-based, blank separated) of line, or false. */
static bool nth_token(const char *line, size_t len, int index, const char **tok, size_t *tok_len) {
  const char *p = line, *end = line + len;
  for (int i = 0;; i++) {
    while (p < end && *p == ' ') p++;
    if (p >= end) return false;
    const char *start = p;
    while (p < end && *p != ' ') p++;
    if (i == index) {
      *tok = start;
      *tok_len = (size_t)(p - start);
      return true;
    }
  }
}

/* The inode of the socket bound to port in a /proc/net/udp-style file. */
static bool find_inode(const char *path, int port, uint64_t *inode) {
  pfile f = {.fd = -1};
  bool found = false;
  if (pfile_open(&f, path, 16384, false) != HIRO_OK || pfile_read(&f) != HIRO_OK) goto out;
  const char *pos = f.buf, *end = f.buf + f.len, *line, *tok;
  size_t line_len, tok_len;
  proc_next_line(&pos, end, &line, &line_len); /* the header */
  while (!found && proc_next_line(&pos, end, &line, &line_len)) {
    if (!nth_token(line, line_len, 1, &tok, &tok_len) || token_port(tok, tok_len) != port) continue;
    if (!nth_token(line, line_len, 9, &tok, &tok_len)) continue;
    const char *p = tok;
    found = proc_parse_u64(&p, tok + tok_len, inode) && *inode != 0;
  }
out:
  pfile_close(&f);
  return found;
}

/* Does process dir (a /proc/PID directory) hold a descriptor on target? */
static bool holds_socket(const char *proc_root, const char *pid, const char *target) {
  char dir_path[4096];
  snprintf(dir_path, sizeof dir_path, "%s/%s/fd", proc_root, pid);
  DIR *dir = opendir(dir_path);
  if (!dir) return false;
  bool found = false;
  struct dirent *e;
  char link_path[4400], link[64];
  while (!found && (e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(link_path, sizeof link_path, "%s/%s", dir_path, e->d_name);
    ssize_t n = readlink(link_path, link, sizeof link - 1);
    if (n <= 0) continue;
    link[n] = '\0';
    found = strcmp(link, target) == 0;
  }
  closedir(dir);
  return found;
}

hiro_err platform_udp_port_owner(platform *p, int port, int *pid) {
  if (!p || port <= 0 || port > 65535) return HIRO_EINVAL;
  char path[4096];
  uint64_t inode = 0;
  snprintf(path, sizeof path, "%s/net/udp", p->proc_root);
  if (!find_inode(path, port, &inode)) {
    snprintf(path, sizeof path, "%s/net/udp6", p->proc_root);
    if (!find_inode(path, port, &inode)) return HIRO_ENOENT;
  }
  char target[64];
  snprintf(target, sizeof target, "socket:[%llu]", (unsigned long long)inode);
  DIR *proc = opendir(p->proc_root);
  if (!proc) return HIRO_EIO;
  hiro_err err = HIRO_ENOENT;
  struct dirent *e;
  while (err == HIRO_ENOENT && (e = readdir(proc)) != NULL) {
    char *stop;
    long value = strtol(e->d_name, &stop, 10);
    if (*stop || value <= 0 || value > 0x7fffffff) continue;
    if (holds_socket(p->proc_root, e->d_name, target)) {
      *pid = (int)value;
      err = HIRO_OK;
    }
  }
  closedir(proc);
  return err;
}
