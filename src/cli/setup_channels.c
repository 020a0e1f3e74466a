/* setup_channels.c - `hirocli setup`'s edits of the channels list: parse
 * --channel 'NAME=COMMAND [ARG...]' with shell-style quoting, add, replace,
 * remove, and set restart, starting from what config.json holds. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/setup.h"
#include "common/hiro.h"
#include "common/strbuf.h"

/* One quoted or unquoted run of a word; advances *p. Returns false with why. */
static bool take_quoted(const char **p, strbuf *word, char *why, size_t whylen) {
  char quote = **p;
  const char *s = *p + 1;
  for (; *s && *s != quote; s++) {
    if (quote == '"' && *s == '\\' && s[1] && strchr("\"\\$`\n", s[1])) {
      if (s[1] != '\n') sb_putc(word, s[1]); /* backslash-newline joins lines */
      s++;
    } else {
      sb_putc(word, *s);
    }
  }
  if (!*s) {
    hiro_set_err(why, whylen, "unterminated %s quote", quote == '"' ? "double" : "single");
    return false;
  }
  *p = s + 1;
  return true;
}

cJSON *setup_split_words(const char *line, char *why, size_t whylen) {
  cJSON *words = cJSON_CreateArray();
  strbuf word;
  sb_init(&word, 64);
  const char *p = line;
  while (*p) {
    p += strspn(p, " \t\n");
    if (!*p) break;
    word.len = 0;
    word.data[0] = '\0';
    while (*p && !strchr(" \t\n", *p)) {
      if (*p == '\'' || *p == '"') {
        if (!take_quoted(&p, &word, why, whylen)) goto fail;
      } else if (*p == '\\') {
        if (!p[1]) {
          hiro_set_err(why, whylen, "a backslash at the end has nothing to quote");
          goto fail;
        }
        if (p[1] != '\n') sb_putc(&word, p[1]);
        p += 2;
      } else if (strchr(";|&<>$`", *p)) {
        hiro_set_err(why, whylen,
                     "unquoted '%c': the command is not run by a shell (quote it, or run a "
                     "shell: NAME=/bin/sh -c '...')",
                     *p);
        goto fail;
      } else {
        sb_putc(&word, *p++);
      }
    }
    cJSON_AddItemToArray(words, cJSON_CreateString(word.data));
  }
  sb_free(&word);
  return words;
fail:
  sb_free(&word);
  cJSON_Delete(words);
  return NULL;
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
    strbuf text;
    sb_init(&text, 4096);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sb_append(&text, chunk, n);
    fclose(f);
    cJSON *root = cJSON_Parse(text.data);
    sb_free(&text);
    cJSON *old = cJSON_GetObjectItemCaseSensitive(root, "channels");
    if (cJSON_IsArray(old)) channels = cJSON_Duplicate(old, true);
    cJSON_Delete(root);
  }
  return channels ? channels : cJSON_CreateArray();
}

static cJSON *find_channel(cJSON *channels, const char *name) {
  for (cJSON *c = channels->child; c; c = c->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return c;
  }
  return NULL;
}

/* A command path with a slash that is not absolute means "from here" on the
 * command line; config.json would read it relative to the workspace. */
static void make_absolute(cJSON *command, const char *name) {
  cJSON *program = command->child;
  const char *s = program->valuestring;
  char cwd[PATH_MAX];
  if (s[0] == '/' || !strchr(s, '/') || !getcwd(cwd, sizeof cwd)) return;
  strbuf abs;
  sb_init(&abs, 256);
  sb_printf(&abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, strncmp(s, "./", 2) == 0 ? s + 2 : s);
  printf("note: channel %s: command %s is stored as %s (paths in config.json are relative to "
         "the workspace)\n",
         name, s, abs.data);
  cJSON_SetValuestring(program, abs.data);
  sb_free(&abs);
}

/* Parse "NAME=COMMAND [ARG...]" into name and a new command array. */
static cJSON *parse_spec(const char *spec, char *name, size_t name_len, char *why, size_t whylen) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec) {
    hiro_set_err(why, whylen, "--channel needs 'NAME=COMMAND [ARG...]', not '%s'", spec);
    return NULL;
  }
  size_t len = (size_t)(eq - spec);
  snprintf(name, name_len, "%.*s", (int)(len < name_len ? len : name_len - 1), spec);
  if (strcspn(name, " \t\n") < strlen(name)) {
    hiro_set_err(why, whylen, "--channel '%s': channel names may not contain spaces", spec);
    return NULL;
  }
  const char *bad =
      len >= name_len ? "a channel name has at most 63 bytes" : config_channel_name_error(name);
  if (bad) {
    hiro_set_err(why, whylen, "--channel '%.*s': %s", (int)len, spec, bad);
    return NULL;
  }
  char split_why[256];
  cJSON *command = setup_split_words(eq + 1, split_why, sizeof split_why);
  if (!command) {
    hiro_set_err(why, whylen, "--channel %s: %s", name, split_why);
    return NULL;
  }
  if (!command->child || !command->child->valuestring[0]) {
    hiro_set_err(why, whylen, "--channel %s has no command", name);
    cJSON_Delete(command);
    return NULL;
  }
  make_absolute(command, name);
  return command;
}

static bool add_channels(cJSON *channels, const setup_channel_edits *e, char *why, size_t whylen) {
  for (size_t i = 0; i < e->n_add; i++) {
    char name[HIRO_NAME_MAX];
    cJSON *command = parse_spec(e->add[i], name, sizeof name, why, whylen);
    if (!command) return false;
    cJSON *entry = find_channel(channels, name);
    if (entry && cJSON_GetObjectItemCaseSensitive(entry, "command")) {
      cJSON_ReplaceItemInObjectCaseSensitive(entry, "command", command); /* keeps its place */
    } else if (entry) {
      cJSON_AddItemToObject(entry, "command", command);
    } else {
      entry = cJSON_CreateObject();
      cJSON_AddStringToObject(entry, "name", name);
      cJSON_AddItemToObject(entry, "command", command);
      cJSON_AddBoolToObject(entry, "restart", true);
      cJSON_AddItemToArray(channels, entry);
    }
  }
  return true;
}

static bool set_restart(cJSON *channels, const char **names, size_t n, bool on, char *why,
                        size_t whylen) {
  for (size_t i = 0; i < n; i++) {
    cJSON *entry = find_channel(channels, names[i]);
    if (!entry) {
      hiro_set_err(why, whylen, "--%srestart: no channel named '%s'", on ? "" : "no-", names[i]);
      return false;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(entry, "restart");
    cJSON_AddBoolToObject(entry, "restart", on);
  }
  return true;
}

cJSON *setup_build_channels(const char *workspace, const setup_channel_edits *e, char *why,
                            size_t whylen) {
  cJSON *channels = e->clear ? cJSON_CreateArray() : current_channels(workspace);
  for (size_t i = 0; i < e->n_remove; i++) {
    cJSON *gone = find_channel(channels, e->remove[i]);
    if (!gone) {
      hiro_set_err(why, whylen, "no channel named '%s' to remove", e->remove[i]);
      goto fail;
    }
    cJSON_Delete(cJSON_DetachItemViaPointer(channels, gone));
  }
  if (!add_channels(channels, e, why, whylen) ||
      !set_restart(channels, e->restart_on, e->n_restart_on, true, why, whylen) ||
      !set_restart(channels, e->restart_off, e->n_restart_off, false, why, whylen))
    goto fail;
  return channels;
fail:
  cJSON_Delete(channels);
  return NULL;
}
