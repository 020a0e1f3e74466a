/* config_internal.h - what the config_*.c files share: the key table, its
 * helpers, the file primitives and the loader's entry. Not for other modules. */
#ifndef HIRO_CONFIG_INTERNAL_H
#define HIRO_CONFIG_INTERNAL_H
#include <stddef.h>

#include "server/config.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* a config larger than this is a mistake */
#define KEY_PATH_MAX 192              /* "channels[12].command[3]" and the like */

typedef enum {
  KT_BOOL,     /* JSON true/false -> bool */
  KT_INT,      /* integral number in [min, max] -> int or size_t (by field size) */
  KT_NUMBER,   /* number in [min, max] (or (min, max] with KF_ABOVE_MIN) -> double */
  KT_STRING,   /* string of min..max bytes -> char[] (or char * with KF_HEAP) */
  KT_OBJECT,   /* object whose sub-keys fill the same target struct */
  KT_CHANNELS, /* array of objects described by sub, one channel_config each */
  KT_ARGV,     /* non-empty array of non-empty strings -> channel_config argv/argc */
} key_type;

enum {
  KF_ABOVE_MIN = 1 << 0,    /* KT_NUMBER: min itself is excluded */
  KF_HEAP = 1 << 1,         /* KT_STRING: field is a char * owned by the config */
  KF_NULLABLE = 1 << 2,     /* KT_STRING: null is accepted and stored as NULL */
  KF_PATH = 1 << 3,         /* KT_STRING: resolved against the workspace */
  KF_NO_CTRL = 1 << 4,      /* KT_STRING: no control characters */
  KF_SECRET = 1 << 5,       /* never shown in reports or messages */
  KF_HOST = 1 << 6,         /* KT_STRING: an IP address or a host name */
  KF_CHANNEL_NAME = 1 << 7, /* KT_STRING: config_channel_name_error must accept it */
};

typedef struct key_desc {
  const char *name;
  key_type type;
  unsigned flags;
  double min, max;            /* value bounds; for strings, byte lengths */
  const char *def;            /* default as JSON text; NULL: the key is required.
                               * KT_OBJECT: "{}", the sub-keys hold the defaults */
  size_t offset, size;        /* the field in the target struct */
  const struct key_desc *sub; /* KT_OBJECT / KT_CHANNELS: sub-keys, ending at name NULL */
} key_desc;

/* ---- config_keys.c: the table and what can be derived from it ---- */

extern const key_desc config_keys[]; /* the top level of config.json */

const key_desc *config_find_key(const key_desc *table, const char *name);
/* k's default as a new JSON value (caller deletes); an object's default is
 * built from its sub-keys so that messages and reports show real values. */
cJSON *config_default_json(const key_desc *k);
/* What a valid value of k looks like, from its table row ("must be ..."). */
void config_expectation(const key_desc *k, char *out, size_t n);
/* The known key of table closest to name (a typo of it), or NULL. */
const char *config_suggest_key(const key_desc *table, const char *name);

/* ---- config_file.c: paths, reading, atomic writing ---- */

/* dir/name without doubling dir's trailing slashes. False when buf is too small. */
bool config_join_path(char *buf, size_t n, const char *dir, const char *name);
/* config.json's path, with a message when it cannot be made. */
bool config_file_path(const char *workspace, char *buf, size_t n, char *err, size_t errlen);
/* Read path (at most CONFIG_FILE_MAX bytes) into a NUL-terminated heap buffer.
 * HIRO_ENOENT when it does not exist (err untouched); other failures set err.
 * With nofollow, a symlink at path is an error. */
hiro_err config_read_file(const char *path, bool nofollow, char **text, size_t *len, char *err,
                          size_t errlen);
/* mkdir -p with mode 0700 for every directory it creates. */
hiro_err config_make_workspace(const char *workspace, char *err, size_t errlen);
/* Write text to <path>.tmp.<pid> (0600, never through a link), fsync, rename
 * over path, fsync the directory. On error the temporary file is removed. */
hiro_err config_write_atomically(const char *workspace, const char *path, const char *text,
                                 size_t len, char *err, size_t errlen);

/* ---- config_load.c ---- */

/* Parse text (len bytes, NUL-terminated) as one JSON object. On error returns
 * HIRO_EPARSE with err naming file, line and column; *out is then NULL. */
hiro_err config_parse_text(const char *file, const char *text, size_t len, cJSON **out, char *err,
                           size_t errlen);
/* Validate root and fill cfg from it (cfg is zeroed first); file names the
 * source in messages. On error cfg is freed and err set. */
hiro_err config_load_json(const char *file, const char *workspace, const cJSON *root,
                          hiro_config *cfg, char *err, size_t errlen);

/* ---- config_load.c: warnings ---- */

/* Add a formatted warning to cfg->warnings and log it. */
void config_warn(hiro_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Warn when the admin UI is on and shares the REST port. */
void config_warn_port_clash(hiro_config *cfg);

#endif
