/* opts.c - the option-table parser, usage lines and option help shared by
 * hirocli and hiro-metrics-export. */
#include "common/opts.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"

#define HELP_COLUMN 28 /* width of the option column in --help */

void opts_format_number(double v, char *buf, size_t n) { snprintf(buf, n, "%.15g", v); }

/* Strict number parsing: the whole word must be a finite decimal number. */
static bool parse_number(const char *s, double *out) {
  if (!*s || isspace((unsigned char)*s) || strpbrk(s, "xXnNiI"))
    return false; /* no hex, nan, inf */
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno == ERANGE || !isfinite(v)) return false;
  *out = v;
  return true;
}

static bool parse_integer(const char *s, long long *out) {
  if (!*s || isspace((unsigned char)*s)) return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno == ERANGE) return false;
  *out = v;
  return true;
}

static bool choice_ok(const char *choices, const char *word) {
  size_t n = strlen(word);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, word, n) == 0) return true;
    p += len + (bar ? 1 : 0);
  }
  return false;
}

/* Validate and store one value of o (typed as `as`). */
static opts_result store_value(const opt_spec *o, const char *as, opt_value *v, const char *value,
                               int argc, char *err, size_t errlen) {
  if (o->kind == OPT_LIST) {
    if (!v->list) v->list = xcalloc((size_t)argc, sizeof *v->list);
    v->list[v->n_list++] = value;
  } else if (v->set) {
    hiro_set_err(err, errlen, "%s given twice", as);
    return OPTS_ERROR;
  }
  v->set = true;
  v->str = value;
  if (!*value) {
    hiro_set_err(err, errlen, "%s needs a non-empty value", as);
    return OPTS_ERROR;
  }
  if (o->kind == OPT_INT) {
    if (!parse_integer(value, &v->integer)) {
      hiro_set_err(err, errlen, "%s needs a whole number, not '%s'", as, value);
      return OPTS_ERROR;
    }
    v->number = (double)v->integer;
  } else if (o->kind == OPT_NUMBER && !parse_number(value, &v->number)) {
    hiro_set_err(err, errlen, "%s needs a number, not '%s'", as, value);
    return OPTS_ERROR;
  } else if (o->kind == OPT_CHOICE && !choice_ok(o->choices, value)) {
    hiro_set_err(err, errlen, "%s must be one of %s, not '%s'", as, o->choices, value);
    return OPTS_ERROR;
  }
  if ((o->kind == OPT_INT || o->kind == OPT_NUMBER) && (v->number < o->min || v->number > o->max)) {
    char lo[32], hi[32];
    opts_format_number(o->min, lo, sizeof lo);
    opts_format_number(o->max, hi, sizeof hi);
    hiro_set_err(err, errlen, "%s must be between %s and %s (got %s)", as, lo, hi, value);
    return OPTS_ERROR;
  }
  return OPTS_RUN;
}

/* The spec a word names: "--name", "--name=value" (name_len stops at '=') or
 * a short "-o". Returns its index or -1. */
static int find_spec(const opt_spec *specs, size_t n, const char *word, size_t name_len) {
  for (size_t i = 0; i < n; i++) {
    const char *s = specs[i].short_name;
    if ((strlen(specs[i].name) == name_len && strncmp(specs[i].name, word, name_len) == 0) ||
        (s && strlen(s) == name_len && strncmp(s, word, name_len) == 0))
      return (int)i;
  }
  return -1;
}

static opts_result check_groups(const opt_spec *specs, size_t n, const opt_value *vals, char *err,
                                size_t errlen) {
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n && vals[i].set; j++) {
      if (specs[i].group && specs[j].group == specs[i].group && vals[j].set) {
        hiro_set_err(err, errlen, "%s and %s cannot be used together", specs[i].name,
                     specs[j].name);
        return OPTS_ERROR;
      }
    }
  }
  return OPTS_RUN;
}

opts_result opts_parse(const opt_spec *specs, size_t n, int argc, char **argv, opt_value *vals,
                       char *err, size_t errlen) {
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) return OPTS_HELP;
    if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "--") == 0) {
      hiro_set_err(err, errlen, "unexpected argument '%s'", arg);
      return OPTS_ERROR;
    }
    const char *eq = arg[1] == '-' ? strchr(arg, '=') : NULL;
    size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
    int index = find_spec(specs, n, arg, name_len);
    if (index < 0) {
      hiro_set_err(err, errlen, "unknown option '%.*s'", (int)name_len, arg);
      return OPTS_ERROR;
    }
    const opt_spec *o = &specs[index];
    if (o->kind == OPT_FLAG) {
      if (eq) {
        hiro_set_err(err, errlen, "%s takes no value", o->name);
        return OPTS_ERROR;
      }
      vals[index].set = true;
      continue;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
      if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0) {
        hiro_set_err(err, errlen, "%.*s needs a value", (int)name_len, arg);
        return OPTS_ERROR;
      }
      value = argv[++i];
    }
    char as[64];
    snprintf(as, sizeof as, "%.*s", (int)name_len, arg);
    if (store_value(o, as, &vals[index], value, argc, err, errlen) != OPTS_RUN) return OPTS_ERROR;
  }
  for (size_t i = 0; i < n; i++) {
    if (specs[i].required && !vals[i].set) {
      hiro_set_err(err, errlen, "%s%s%s is required", specs[i].name, specs[i].metavar ? " " : "",
                   specs[i].metavar ? specs[i].metavar : "");
      return OPTS_ERROR;
    }
  }
  return check_groups(specs, n, vals, err, errlen);
}

void opts_free(opt_value *vals, size_t n) {
  for (size_t i = 0; vals && i < n; i++) {
    free(vals[i].list);
    vals[i].list = NULL;
  }
}

/* Print piece on the usage line, wrapping before column 80. */
static void usage_piece(FILE *out, int *col, int indent, const char *piece) {
  int len = (int)strlen(piece);
  if (*col + 1 + len > 80 && *col > indent) {
    fprintf(out, "\n%*s", indent, "");
    *col = indent;
  }
  *col += fprintf(out, " %s", piece);
}

void opts_print_usage(FILE *out, const opt_spec *specs, size_t n, int *col, int indent) {
  for (size_t i = 0; i < n; i++) {
    const opt_spec *o = &specs[i];
    bool grouped_before = false;
    for (size_t j = 0; j < i && o->group; j++) grouped_before |= specs[j].group == o->group;
    if (grouped_before) continue;
    char piece[256];
    size_t len = (size_t)snprintf(piece, sizeof piece, "%s", o->required ? "" : "[");
    for (size_t j = i; j < n && len < sizeof piece; j++) {
      const opt_spec *g = &specs[j];
      if (j != i && (!o->group || g->group != o->group)) continue;
      len += (size_t)snprintf(piece + len, sizeof piece - len, "%s%s%s%s", j == i ? "" : " | ",
                              g->short_name ? g->short_name : g->name, g->metavar ? " " : "",
                              g->metavar ? g->metavar : "");
    }
    if (len < sizeof piece)
      snprintf(piece + len, sizeof piece - len, "%s",
               o->required           ? ""
               : o->kind == OPT_LIST ? "]..."
                                     : "]");
    usage_piece(out, col, indent, piece);
  }
}

void opts_print_help(FILE *out, const opt_spec *specs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const opt_spec *o = &specs[i];
    char left[96];
    snprintf(left, sizeof left, "%s%s%s%s%s", o->short_name ? o->short_name : "",
             o->short_name ? ", " : "", o->name, o->metavar ? " " : "",
             o->metavar ? o->metavar : "");
    if (strlen(left) > HELP_COLUMN)
      fprintf(out, "  %s\n  %-*s", left, HELP_COLUMN, "");
    else
      fprintf(out, "  %-*s", HELP_COLUMN, left);
    for (const char *line = o->help; line;) {
      const char *nl = strchr(line, '\n');
      int len = nl ? (int)(nl - line) : (int)strlen(line);
      fprintf(out, " %.*s", len, line);
      line = nl ? nl + 1 : NULL;
      if (line) fprintf(out, "\n  %-*s", HELP_COLUMN, "");
    }
    if (o->kind == OPT_INT || o->kind == OPT_NUMBER) {
      char lo[32], hi[32];
      opts_format_number(o->min, lo, sizeof lo);
      opts_format_number(o->max, hi, sizeof hi);
      fprintf(out, " (%s to %s)", lo, hi);
    }
    fputc('\n', out);
  }
}
