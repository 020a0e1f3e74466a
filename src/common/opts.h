/* opts.h - the one command-line option parser of hirocli and
 * hiro-metrics-export. A program describes its options in a table (opt_spec);
 * parsing, validation, usage lines and the option list of --help all read
 * that table, so help cannot list an option that does not exist. */
#ifndef HIRO_OPTS_H
#define HIRO_OPTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
  OPT_FLAG,   /* --name, no value */
  OPT_STRING, /* --name VALUE (never empty) */
  OPT_INT,    /* --name N, integer within [min, max] */
  OPT_NUMBER, /* --name X, finite decimal number within [min, max] */
  OPT_CHOICE, /* --name WORD, one of `choices` ("avg|min|max") */
  OPT_LIST,   /* --name VALUE, repeatable; every value is kept in order */
} opt_kind;

typedef struct {
  const char *name; /* long form, "--port" */
  opt_kind kind;
  const char *metavar;    /* "N", "SEC" (NULL for flags) */
  const char *help;       /* may hold '\n' for more lines; the range of OPT_INT and
                        * OPT_NUMBER is appended by the help printer */
  double min, max;        /* OPT_INT / OPT_NUMBER bounds, inclusive */
  int group;              /* non-zero: at most one option of this group per run */
  const char *choices;    /* OPT_CHOICE */
  const char *short_name; /* "-o", or NULL */
  bool required;          /* must be given (shown without brackets in usage) */
} opt_spec;

typedef struct {
  bool set;
  const char *str;   /* the value as given (points into argv) */
  long long integer; /* OPT_INT */
  double number;     /* OPT_INT and OPT_NUMBER */
  const char **list; /* OPT_LIST values (points into argv; array owned here) */
  size_t n_list;
} opt_value;

typedef enum {
  OPTS_RUN,   /* parsed: run the program */
  OPTS_HELP,  /* --help or -h came before any error */
  OPTS_ERROR, /* a one-line reason is in err */
} opts_result;

/* Parse argv (argc words, without the program or command name) against specs
 * into vals (n entries, zeroed by the caller). Words are read in order and
 * the first --help/-h or error ends the parse. "--name=value" and
 * "--name value" both work; a value may not start with "--" unless given with
 * '='. Free vals with opts_free in every case. */
opts_result opts_parse(const opt_spec *specs, size_t n, int argc, char **argv, opt_value *vals,
                       char *err, size_t errlen);
/* Frees only the OPT_LIST arrays; every other field stays readable. */
void opts_free(opt_value *vals, size_t n);

/* Print the option part of a usage line ("[--a | --b] [--port N]
 * [--channel X]..."), each piece after a space, wrapping before column 80 to
 * the given indent. *col is the current column, updated. */
void opts_print_usage(FILE *out, const opt_spec *specs, size_t n, int *col, int indent);
/* Print one line (or more) per option: "  --port N    help (1 to 65535)". */
void opts_print_help(FILE *out, const opt_spec *specs, size_t n);
/* A number as people write it: 100000, 0.5, 1000000000 (never 1e+09). */
void opts_format_number(double v, char *buf, size_t n);

#endif
