/* export.h - the CSV exporter behind hiro-metrics-export and `hirocli metrics
 * export`: argument parsing, a read-only streaming reader of the metrics
 * database, RFC 4180 output, and the small parsers and writers it is built
 * from (exposed for the unit tests). */
#ifndef HIRO_EXPORT_H
#define HIRO_EXPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/hiro.h"

/* Exit codes of export_main, printed by --help. */
enum {
  EXPORT_EXIT_OK = 0,    /* CSV written */
  EXPORT_EXIT_FAIL = 1,  /* runtime error: database missing/unreadable/foreign/wrong schema, I/O */
  EXPORT_EXIT_USAGE = 2, /* bad command line */
};

typedef enum {
  EXPORT_TABLE_SYSTEM = 0,
  EXPORT_TABLE_PROCESSES,
  EXPORT_TABLE_APP,
  /* The system context's lists (model_lists, same order): one row per
   * timestamp and filesystem / disk / interface. */
  EXPORT_TABLE_FILESYSTEMS,
  EXPORT_TABLE_DISKS,
  EXPORT_TABLE_INTERFACES,
  /* Lifecycle events (plugins started, exited, ...): one row per event,
   * never rolled up. */
  EXPORT_TABLE_EVENTS
} export_table;
/* Seconds per row of a tier; EXPORT_RES_AUTO picks one at run time. */
typedef enum {
  EXPORT_RES_AUTO = -1,
  EXPORT_RES_RAW = 0,
  EXPORT_RES_1M = 60,
  EXPORT_RES_1H = 3600
} export_resolution;
typedef enum { EXPORT_AGG_AVG = 0, EXPORT_AGG_MIN, EXPORT_AGG_MAX } export_agg;

typedef struct {
  const char *db_path;  /* --db (points into argv) */
  const char *out_path; /* -o; NULL or "-" = stdout */
  const char *process;  /* --process NAME, NULL = all */
  export_table table;
  export_resolution resolution;
  export_agg agg;
  bool agg_set;          /* --agg was given */
  bool has_from, has_to; /* range in Unix seconds, both ends inclusive */
  double from, to;
  bool verbose; /* -v: tier and row count on stderr */
  bool version; /* --version (with *help set by export_parse_args) */
} export_options;

/* The whole program: parse argv (argv[0] names the program in messages), open
 * the database read-only and stream the CSV. Returns an EXPORT_EXIT_* code;
 * every error is one line on stderr. Never modifies the database. */
int export_main(int argc, char **argv);

/* Parse argv into o (zeroed first). On HIRO_EINVAL a one-line reason is in
 * err; *help is set (and HIRO_OK returned) for --help and --version. "now" is the wall
 * clock used for --last and for `now` as a time. */
hiro_err export_parse_args(int argc, char **argv, double now, export_options *o, bool *help,
                           char *err, size_t errlen) HIRO_MUST_USE;

typedef struct {
  uint64_t rows;                /* data rows written (also on error) */
  export_resolution resolution; /* the tier read (auto resolved) */
} export_stats;

/* Write the CSV for o to out (not closed). The database is opened with
 * SQLITE_OPEN_READONLY and read in one statement stepped row by row: memory
 * stays constant however long the range. stats (may be NULL) gets the row
 * count and the tier. On error returns HIRO_ENOENT (no such file), HIRO_ESCHEMA
 * (foreign database, schema too old or too new) or HIRO_EIO, with the reason
 * in err. */
hiro_err export_run(const export_options *o, FILE *out, export_stats *stats, char *err,
                    size_t errlen) HIRO_MUST_USE;

/* --- time.c: parsers for --from/--to/--last --- */

/* Parse a time: Unix seconds ("1795824902", "1795824902.5"), "now", or
 * ISO-8601 UTC: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS[.fff]] with 'T' or a space,
 * an optional 'Z' or +HH:MM / -HH:MM offset (no zone means UTC). Returns
 * false for anything else, including impossible dates (2026-02-30). */
bool export_parse_time(const char *s, double now, double *out) HIRO_MUST_USE;

/* Parse a duration: one or more NUMBER UNIT pairs with units s, m, h, d, w
 * ("90s", "7d", "1h30m", "1.5h"). A bare number, a zero or negative total
 * and unknown units are refused (returns false). */
bool export_parse_duration(const char *s, double *out) HIRO_MUST_USE;

/* --- csv.c: RFC 4180 fields and the value formats --- */

/* Write one field: as is, or quoted with inner quotes doubled when it holds
 * a comma, a double quote, CR or LF. Invalid UTF-8 (and NUL bytes) become
 * U+FFFD first, the rule of the JSON output (sb_append_utf8). Returns false
 * on a write error. */
bool csv_write_field(FILE *f, const char *s, size_t len);
/* The line ending of every record. */
#define CSV_EOL "\r\n"

/* Format Unix milliseconds as ISO-8601 UTC: "2026-11-28T00:15:02.123Z", or
 * without the millisecond part when with_ms is false. out needs 32 bytes. */
void csv_format_iso(int64_t ms, bool with_ms, char *out, size_t n);
/* Exact decimal of v / 10^decimals with trailing zeros trimmed: (1234, 2) ->
 * "12.34", (500, 2) -> "5", (-5, 2) -> "-0.05". out needs 32 bytes. */
void csv_format_scaled(int64_t v, int decimals, char *out, size_t n);
/* The same two as above, written at p (room for 24 bytes needed) without a
 * terminating NUL; return the end. For building a row in a buffer. */
char *csv_put_int(char *p, int64_t v);
char *csv_put_scaled(char *p, int64_t v, int decimals);
/* A real number with at most 4 decimals, trailing zeros trimmed ("2.5",
 * "1234567.1235", "0"). out needs 48 bytes. */
void csv_format_real(double v, char *out, size_t n);

#endif
