/* config_write.c - `hirocli setup`'s rewrite of config.json: merge the changes
 * into the document as it is (unknown keys and key order kept), describe what
 * changed, render with cJSON's printer, check that the result loads exactly as
 * the server would load it, and only then replace the file atomically. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/strbuf.h"
#include "server/config_internal.h"

/* Read config.json for rewriting: missing gives {}, a symlink or a non-file is
 * refused. *existed says whether the file was there. */
static hiro_err read_for_update(const char *path, cJSON **doc, bool *existed, char *err,
                                size_t errlen) {
  struct stat st;
  *existed = lstat(path, &st) == 0;
  if (*existed && S_ISLNK(st.st_mode)) {
    hiro_set_err(err, errlen, "%s: is a symbolic link; refusing to write through it", path);
    return HIRO_EINVAL;
  }
  char *text = NULL;
  size_t len = 0;
  hiro_err rc = config_read_file(path, true, &text, &len, err, errlen);
  if (rc == HIRO_ENOENT) {
    *existed = false;
    *doc = cJSON_CreateObject();
    return HIRO_OK;
  }
  if (rc == HIRO_OK) rc = config_parse_text(path, text, len, doc, err, errlen);
  free(text);
  return rc;
}

/* A value as a report shows it: secrets only say whether they are set. */
static cJSON *shown(const key_desc *k, const cJSON *v) {
  if (k && (k->flags & KF_SECRET) && v && !cJSON_IsNull(v)) return cJSON_CreateString("(set)");
  return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static void report_change(cJSON *report, const char *key, const key_desc *k, const cJSON *old,
                          const cJSON *now) {
  if (!report) return;
  cJSON *entry = cJSON_CreateObject();
  cJSON_AddItemToObject(entry, "old", shown(k, old));
  cJSON_AddItemToObject(entry, "new", shown(k, now));
  cJSON_AddItemToObject(report, key, entry);
}

/* Put change ch (described by k) into obj under its name, replacing in place
 * or appending. The report names it prefix.name. Returns whether obj's
 * contents differ afterwards. Objects are merged member by member. */
static bool merge_one(cJSON *obj, const key_desc *k, const cJSON *ch, const char *prefix,
                      cJSON *report) {
  char key[KEY_PATH_MAX];
  snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", ch->string);
  cJSON *in_file = cJSON_GetObjectItemCaseSensitive(obj, ch->string);
  if (k->type == KT_OBJECT && cJSON_IsObject(ch)) {
    if (!in_file || !cJSON_IsObject(in_file)) {
      if (in_file) cJSON_DeleteItemFromObjectCaseSensitive(obj, ch->string);
      in_file = cJSON_AddObjectToObject(obj, ch->string);
    }
    bool differs = false;
    for (const cJSON *m = ch->child; m; m = m->next)
      differs |= merge_one(in_file, config_find_key(k->sub, m->string), m, key, report);
    return differs;
  }
  cJSON *def = in_file ? NULL : config_default_json(k);
  const cJSON *old = in_file ? in_file : def;
  if (!cJSON_Compare(old, ch, 1)) report_change(report, key, k, old, ch);
  cJSON_Delete(def);
  bool differs = !in_file || !cJSON_Compare(in_file, ch, 1);
  cJSON *copy = cJSON_Duplicate(ch, 1);
  if (in_file)
    cJSON_ReplaceItemInObjectCaseSensitive(obj, ch->string, copy);
  else
    cJSON_AddItemToObject(obj, ch->string, copy);
  return differs;
}

/* Only keys of the table may be changed: a typo must not land in the file. */
static hiro_err check_change_keys(const char *path, const key_desc *table, const cJSON *changes,
                                  const char *prefix, char *err, size_t errlen) {
  if (!cJSON_IsObject(changes)) {
    hiro_set_err(err, errlen, "%s: changes must be a JSON object", path);
    return HIRO_EINVAL;
  }
  for (const cJSON *ch = changes->child; ch; ch = ch->next) {
    const key_desc *k = config_find_key(table, ch->string);
    if (!k) {
      hiro_set_err(err, errlen, "%s: key \"%s%s%s\": unknown key; not written", path, prefix,
                   prefix[0] ? "." : "", ch->string);
      return HIRO_EINVAL;
    }
    if (k->type == KT_OBJECT && cJSON_IsObject(ch)) {
      hiro_err rc = check_change_keys(path, k->sub, ch, k->name, err, errlen);
      if (rc != HIRO_OK) return rc;
    }
  }
  return HIRO_OK;
}

/* The first member (by key) holding a number JSON cannot express, or NULL.
 * cJSON reads 1e999 as infinity and would print it as null. */
static const cJSON *non_finite(const cJSON *v) {
  if (cJSON_IsNumber(v)) return isfinite(v->valuedouble) ? NULL : v;
  for (const cJSON *m = v->child; m; m = m->next)
    if (non_finite(m)) return m;
  return NULL;
}

/* cJSON's formatted text with two spaces where it puts tabs (raw tabs only
 * ever indent or follow a key's colon: inside strings they are escaped) and
 * empty objects as {}. */
static void render(const cJSON *doc, strbuf *out) {
  char *text = cJSON_Print(doc);
  bool in_string = false;
  for (const char *p = text; *p; p++) {
    if (in_string) {
      sb_putc(out, *p);
      if (*p == '\\' && p[1])
        sb_putc(out, *++p);
      else if (*p == '"')
        in_string = false;
    } else if (*p == '"') {
      in_string = true;
      sb_putc(out, *p);
    } else if (*p == '\t') {
      sb_puts(out, out->len && out->data[out->len - 1] == ':' ? " " : "  ");
    } else if (*p == '{' && p[1] == '\n' && p[2 + strspn(p + 2, "\t")] == '}') {
      sb_puts(out, "{}");
      p += 2 + strspn(p + 2, "\t");
    } else {
      sb_putc(out, *p);
    }
  }
  sb_putc(out, '\n');
  cJSON_free(text);
}

/* Render doc and check the text loads exactly as the server would load it. */
static hiro_err render_and_validate(const char *workspace, const char *path, const cJSON *doc,
                                    strbuf *out, char *err, size_t errlen) {
  const cJSON *bad = non_finite(doc);
  if (bad) {
    hiro_set_err(err, errlen, "%s: key \"%s\": holds a number JSON cannot express; not written",
                 path, bad->string ? bad->string : "?");
    return HIRO_EINVAL;
  }
  render(doc, out);
  cJSON *reread = NULL;
  hiro_config scratch;
  hiro_err rc = config_parse_text(path, out->data, out->len, &reread, err, errlen);
  if (rc == HIRO_OK) rc = config_load_json(path, workspace, reread, &scratch, err, errlen);
  if (rc == HIRO_OK) config_free(&scratch);
  cJSON_Delete(reread);
  return rc;
}

hiro_err config_update(const char *workspace, const cJSON *changes, cJSON *report, char *err,
                       size_t errlen) {
  char path[PATH_MAX];
  if (!config_file_path(workspace, path, sizeof path, err, errlen)) return HIRO_EINVAL;
  hiro_err rc = check_change_keys(path, config_keys, changes, "", err, errlen);
  if (rc == HIRO_OK) rc = config_make_workspace(workspace, err, errlen);
  if (rc != HIRO_OK) return rc;
  cJSON *doc = NULL, *changed = cJSON_CreateObject();
  bool existed = false, differs = false;
  strbuf text = {0};
  rc = read_for_update(path, &doc, &existed, err, errlen);
  if (rc != HIRO_OK) goto out;
  for (const cJSON *ch = changes->child; ch; ch = ch->next)
    differs |= merge_one(doc, config_find_key(config_keys, ch->string), ch, "", changed);
  rc = render_and_validate(workspace, path, doc, &text, err, errlen);
  if (rc == HIRO_OK && (differs || !existed))
    rc = config_write_atomically(workspace, path, text.data, text.len, err, errlen);
  if (rc == HIRO_OK && report)
    for (cJSON *m = changed->child; m; m = changed->child)
      cJSON_AddItemToObject(report, m->string, cJSON_DetachItemViaPointer(changed, m));
out:
  cJSON_Delete(doc);
  cJSON_Delete(changed);
  sb_free(&text);
  return rc;
}
