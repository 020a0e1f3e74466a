/* cmd_setup.c - `hirocli setup`: write persistent defaults to config.json
 * through config_update (which validates, keeps unknown keys and writes
 * atomically) and print what changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collector/collector.h"
#include "common/hiro.h"
#include "server/config.h"

enum {
  S_METRICS, S_NO_METRICS, S_INTERVAL, S_HISTORY, S_PORT, S_HOST, S_ADMIN_UI, S_NO_ADMIN_UI,
  S_ADMIN_UI_PORT, S_CHANNEL, S_REMOVE_CHANNEL, S_NO_CHANNELS, S_TOKEN, S_NO_TOKEN, S_COUNT
};

static const cli_option setup_options[S_COUNT] = {
    [S_METRICS] = {"--metrics", OPT_FLAG, NULL, "collect metrics at server start-up", 0, 0, 1, NULL},
    [S_NO_METRICS] = {"--no-metrics", OPT_FLAG, NULL, "do not collect metrics at start-up", 0, 0, 1, NULL},
    [S_INTERVAL] = {"--metrics-interval", OPT_NUMBER, "SEC", "collection interval, 1 to 3600 seconds",
                    COLLECTOR_MIN_INTERVAL, COLLECTOR_MAX_INTERVAL, 0, NULL},
    [S_HISTORY] = {"--metrics-history-size", OPT_INT, "N",
                   "in-memory history capacity in snapshots, 1 to 1000000", 1,
                   COLLECTOR_MAX_HISTORY, 0, NULL},
    [S_PORT] = {"--port", OPT_INT, "N", "REST API port (http_port), 1 to 65535", 1, 65535, 0, NULL},
    [S_HOST] = {"--host", OPT_STRING, "ADDR", "REST API address (http_host); a non-loopback "
                "address needs a token", 0, 0, 0, NULL},
    [S_ADMIN_UI] = {"--admin-ui", OPT_FLAG, NULL, "serve the admin UI at start-up", 0, 0, 2, NULL},
    [S_NO_ADMIN_UI] = {"--no-admin-ui", OPT_FLAG, NULL, "do not serve the admin UI", 0, 0, 2, NULL},
    [S_ADMIN_UI_PORT] = {"--admin-ui-port", OPT_INT, "N", "admin UI port, 1 to 65535", 1, 65535,
                         0, NULL},
    [S_CHANNEL] = {"--channel", OPT_LIST, "'NAME=CMD [ARG...]'",
                   "add or replace the channel plugin NAME (repeatable; see below)", 0, 0, 0, NULL},
    [S_REMOVE_CHANNEL] = {"--remove-channel", OPT_LIST, "NAME",
                          "remove the channel plugin NAME (repeatable)", 0, 0, 0, NULL},
    [S_NO_CHANNELS] = {"--no-channels", OPT_FLAG, NULL,
                       "remove every channel plugin (before any --channel)", 0, 0, 0, NULL},
    [S_TOKEN] = {"--token", OPT_STRING, "TOKEN", "API token (api_token) the REST API requires",
                 0, 0, 3, NULL},
    [S_NO_TOKEN] = {"--no-token", OPT_FLAG, NULL, "remove the API token", 0, 0, 3, NULL},
};

static int run_setup(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command cmd_setup = {
    .path = "setup",
    .name = "setup",
    .run = run_setup,
    .summary = "Write persistent defaults to <workspace>/config.json and print what changed.",
    .details =
        "Channels: the value of --channel is one shell word, NAME=COMMAND followed by\n"
        "the command's arguments, split on spaces and tabs (no quoting inside), e.g.\n"
        "  hirocli setup --channel 'devices=/usr/bin/plugin --flag x'\n"
        "A channel with the same name is replaced (its other keys are kept); a new one\n"
        "gets \"restart\": true. --no-channels clears the list first, so\n"
        "--no-channels --channel ... sets exactly the channels given.\n"
        "\n"
        "The file is validated as a whole and replaced atomically; keys hirocli does not\n"
        "know are kept. A config.json that is not valid JSON is never rewritten.\n"
        "Settings take effect at the next 'hirocli start'. With no options, setup prints\n"
        "the config path and changes nothing.\n",
    .options = setup_options,
    .n_options = S_COUNT,
};

/* Parse "NAME=COMMAND [ARG...]" into a new channel object's name and command
 * array. Returns NULL (after a usage error) when malformed. */
static cJSON *parse_channel_command(const cli_command *cmd, const char *spec, char *name,
                                    size_t name_len) {
  const char *eq = strchr(spec, '=');
  const char *space = strpbrk(spec, " \t");
  if (!eq || eq == spec || (space && space < eq)) {
    cli_usage_error(cmd, "--channel needs 'NAME=COMMAND [ARG...]', not '%s'", spec);
    return NULL;
  }
  if ((size_t)(eq - spec) >= name_len) {
    cli_usage_error(cmd, "channel name too long (at most %zu bytes)", name_len - 1);
    return NULL;
  }
  memcpy(name, spec, (size_t)(eq - spec));
  name[eq - spec] = '\0';
  cJSON *command = cJSON_CreateArray();
  char *words = xstrdup(eq + 1);
  char *save = NULL;
  for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
    cJSON_AddItemToArray(command, cJSON_CreateString(w));
  free(words);
  if (cJSON_GetArraySize(command) == 0) {
    cJSON_Delete(command);
    cli_usage_error(cmd, "--channel %s has no command", name);
    return NULL;
  }
  return command;
}

/* The "channels" array currently in config.json, or an empty one when the
 * file or the key is missing or unreadable (config_update then reports a
 * broken file with the line number). Caller owns the result. */
static cJSON *current_channels(const char *workspace) {
  char path[PATH_MAX];
  config_path(workspace, path, sizeof path);
  cJSON *channels = NULL;
  FILE *f = fopen(path, "rb");
  if (f) {
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
      fwrite(chunk, 1, n, mem);
    fclose(mem);
    fclose(f);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *old = cJSON_GetObjectItemCaseSensitive(root, "channels");
    if (cJSON_IsArray(old))
      channels = cJSON_Duplicate(old, true);
    cJSON_Delete(root);
  }
  return channels ? channels : cJSON_CreateArray();
}

static int find_channel(const cJSON *channels, const char *name) {
  int i = 0;
  for (const cJSON *c = channels->child; c; c = c->next, i++) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
      return i;
  }
  return -1;
}

/* Apply --no-channels, --remove-channel and --channel (in that order) to the
 * current list. Returns the new array, or NULL after a usage error. */
static cJSON *build_channels(const cli_command *cmd, const char *workspace,
                             const cli_value *vals) {
  cJSON *channels = vals[S_NO_CHANNELS].set ? cJSON_CreateArray() : current_channels(workspace);
  for (size_t i = 0; i < vals[S_REMOVE_CHANNEL].n_list; i++) {
    int at = find_channel(channels, vals[S_REMOVE_CHANNEL].list[i]);
    if (at < 0) {
      cJSON_Delete(channels);
      cli_usage_error(cmd, "no channel named '%s' to remove", vals[S_REMOVE_CHANNEL].list[i]);
      return NULL;
    }
    cJSON_DeleteItemFromArray(channels, at);
  }
  for (size_t i = 0; i < vals[S_CHANNEL].n_list; i++) {
    char name[HIRO_NAME_MAX];
    cJSON *command = parse_channel_command(cmd, vals[S_CHANNEL].list[i], name, sizeof name);
    if (!command) {
      cJSON_Delete(channels);
      return NULL;
    }
    int at = find_channel(channels, name);
    cJSON *entry = at >= 0 ? cJSON_GetArrayItem(channels, at) : NULL;
    if (!entry || !cJSON_IsObject(entry)) {
      entry = cJSON_CreateObject();
      cJSON_AddStringToObject(entry, "name", name);
      cJSON_AddBoolToObject(entry, "restart", true);
      cJSON_AddItemToArray(channels, entry);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(entry, "command");
    cJSON_AddItemToObject(entry, "command", command);
  }
  return channels;
}

static void add_flag_pair(cJSON *changes, const cli_value *vals, int on, int off,
                          const char *key) {
  if (vals[on].set || vals[off].set)
    cJSON_AddBoolToObject(changes, key, vals[on].set);
}

/* Build the object of changed keys. Returns NULL after a usage error. */
static cJSON *build_changes(const cli_command *cmd, const char *workspace, const cli_value *vals) {
  cJSON *changes = cJSON_CreateObject();
  add_flag_pair(changes, vals, S_METRICS, S_NO_METRICS, "metrics_enabled");
  add_flag_pair(changes, vals, S_ADMIN_UI, S_NO_ADMIN_UI, "admin_ui_enabled");
  if (vals[S_INTERVAL].set)
    cJSON_AddNumberToObject(changes, "metrics_interval", vals[S_INTERVAL].number);
  if (vals[S_HISTORY].set)
    cJSON_AddNumberToObject(changes, "metrics_history_size", vals[S_HISTORY].number);
  if (vals[S_PORT].set)
    cJSON_AddNumberToObject(changes, "http_port", vals[S_PORT].number);
  if (vals[S_ADMIN_UI_PORT].set)
    cJSON_AddNumberToObject(changes, "admin_ui_port", vals[S_ADMIN_UI_PORT].number);
  if (vals[S_HOST].set)
    cJSON_AddStringToObject(changes, "http_host", vals[S_HOST].str);
  if (vals[S_TOKEN].set)
    cJSON_AddStringToObject(changes, "api_token", vals[S_TOKEN].str);
  if (vals[S_NO_TOKEN].set)
    cJSON_AddNullToObject(changes, "api_token");
  if (vals[S_CHANNEL].set || vals[S_REMOVE_CHANNEL].set || vals[S_NO_CHANNELS].set) {
    cJSON *channels = build_channels(cmd, workspace, vals);
    if (!channels) {
      cJSON_Delete(changes);
      return NULL;
    }
    cJSON_AddItemToObject(changes, "channels", channels);
  }
  return changes;
}

static int run_setup(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  cli_value vals[S_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  const char *workspace = rc == CLI_CONTINUE ? cli_workspace(ctx) : NULL;
  cJSON *changes = NULL;
  if (rc != CLI_CONTINUE || !workspace) {
    rc = rc != CLI_CONTINUE ? rc : CLI_EXIT_FAIL;
    goto out;
  }
  char path[PATH_MAX];
  config_path(workspace, path, sizeof path);
  changes = build_changes(cmd, workspace, vals);
  if (!changes) {
    rc = CLI_EXIT_USAGE;
    goto out;
  }
  if (!changes->child) {
    printf("config: %s\nno changes (see 'hirocli setup --help' for the options)\n", path);
    rc = CLI_EXIT_OK;
    goto out;
  }
  char report[8192] = "", err[1024] = "";
  if (config_update(workspace, changes, report, sizeof report, err, sizeof err) != HIRO_OK) {
    rc = cli_fail("setup failed, nothing written: %s", err);
    goto out;
  }
  printf("config: %s\n%s", path, report[0] ? report : "no changes\n");
  if (report[0] && report[strlen(report) - 1] != '\n')
    putchar('\n');
  rc = CLI_EXIT_OK;
out:
  cJSON_Delete(changes);
  cli_values_free(vals, S_COUNT);
  return rc;
}
