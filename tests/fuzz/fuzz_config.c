/* fuzz_config.c - libFuzzer target: the input as <workspace>/config.json
 * through config_load + config_free, then the same file through
 * config_update with a fixed small change (whose validated rewrite must load
 * again).
 *
 * The two workspaces are temporary directories made once per process (on
 * /dev/shm when it is there, so the rewrite's fsyncs cost nothing) and
 * removed at exit. Built with -DHIRO_FUZZ_REPLAY the entry point is renamed
 * so the unit test test_fuzz_regressions.c can include this file and replay
 * saved inputs. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "server/config.h"

#ifdef HIRO_FUZZ_REPLAY /* several targets share one replay program */
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_config_one
#endif

static char config_fuzz_load_ws[PATH_MAX], config_fuzz_update_ws[PATH_MAX];

/* Remove dir and the files in it (config.json and any stray temporary). */
static void config_fuzz_remove(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[PATH_MAX + 256];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

static void config_fuzz_cleanup(void) {
  config_fuzz_remove(config_fuzz_load_ws);
  config_fuzz_remove(config_fuzz_update_ws);
}

static void config_fuzz_setup(void) {
  if (config_fuzz_load_ws[0]) return;
  struct stat st;
  const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
                             access("/dev/shm", W_OK) == 0
                         ? "/dev/shm"
                         : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  snprintf(config_fuzz_load_ws, sizeof config_fuzz_load_ws, "%s/hiro-fuzz-load.XXXXXX", base);
  snprintf(config_fuzz_update_ws, sizeof config_fuzz_update_ws, "%s/hiro-fuzz-update.XXXXXX",
           base);
  if (!mkdtemp(config_fuzz_load_ws) || !mkdtemp(config_fuzz_update_ws)) {
    perror("fuzz_config: mkdtemp");
    abort();
  }
  atexit(config_fuzz_cleanup);
  log_set_level(HIRO_LOG_ERROR); /* config warnings (port clash) would flood the run */
}

static void config_fuzz_write(const char *workspace, const uint8_t *data, size_t size) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/config.json", workspace);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) abort();
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) abort();
    done += (size_t)n;
  }
  close(fd);
}

/* What the server relies on after a successful load. */
static void config_fuzz_check(const hiro_config *cfg) {
  if (cfg->http_port < 1 || cfg->http_port > 65535 || cfg->admin_ui_port < 1 ||
      cfg->admin_ui_port > 65535)
    abort();
  if (!(cfg->metrics_interval >= 1 && cfg->metrics_interval <= 3600)) abort();
  if (cfg->metrics_history_size < 1 || cfg->metrics_history_size > 1000000) abort();
  if (!cfg->metrics_db_path || cfg->metrics_db_path[0] != '/') abort();
  if (!memchr(cfg->http_host, '\0', sizeof cfg->http_host) || !cfg->http_host[0]) abort();
  for (size_t i = 0; i < cfg->n_channels; i++) {
    const channel_config *ch = &cfg->channels[i];
    if (!ch->name[0] || !ch->argv || ch->argc < 1 || ch->argv[ch->argc] != NULL) abort();
    for (size_t a = 0; a < ch->argc; a++)
      if (!ch->argv[a] || !ch->argv[a][0]) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  config_fuzz_setup();
  hiro_config cfg;
  char err[512] = "";
  config_fuzz_write(config_fuzz_load_ws, data, size);
  if (config_load(config_fuzz_load_ws, &cfg, err, sizeof err) == HIRO_OK) {
    config_fuzz_check(&cfg);
    config_free(&cfg);
  } else if (err[0] == '\0') {
    abort(); /* a rejection always says why */
  }

  config_fuzz_write(config_fuzz_update_ws, data, size);
  cJSON *changes = cJSON_CreateObject();
  cJSON_AddNumberToObject(changes, "metrics_interval", 5);
  cJSON_AddBoolToObject(changes, "metrics_enabled", true);
  cJSON *report = cJSON_CreateObject();
  err[0] = '\0';
  if (config_update(config_fuzz_update_ws, changes, report, err, sizeof err) == HIRO_OK) {
    /* The rewrite was validated before it replaced the file: it must load. */
    if (config_load(config_fuzz_update_ws, &cfg, err, sizeof err) != HIRO_OK) {
      fprintf(stderr, "fuzz_config: rewritten config.json does not load: %s\n", err);
      abort();
    }
    if (cfg.metrics_interval != 5 || !cfg.metrics_enabled) abort();
    config_fuzz_check(&cfg);
    config_free(&cfg);
  } else if (err[0] == '\0') {
    abort();
  }
  cJSON_Delete(changes);
  cJSON_Delete(report);
  return 0;
}
