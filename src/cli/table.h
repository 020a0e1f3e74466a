/* table.h - aligned text tables and human-readable units for the CLI. */
#ifndef HIRO_CLI_TABLE_H
#define HIRO_CLI_TABLE_H
#include <stddef.h>
#include <stdio.h>

typedef struct table table;

/* A table with the given column headers (copied), or none when headers is
 * NULL. Columns whose header starts with '>' are right-aligned (the '>' is not
 * printed). Never fails. */
table *table_new(size_t ncols, const char *const *headers);
/* Start a new row; the next table_cell calls fill it left to right. */
void table_row(table *t);
/* Append a printf-formatted cell to the current row (extra cells are ignored). */
void table_cell(table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print header and rows, columns two spaces apart, no trailing blanks. */
void table_print(const table *t, FILE *out);
void table_free(table *t);

/* "512 B", "1.5 KiB", "12.3 MiB", "2.0 GiB", "1.1 TiB" into buf; returns buf. */
char *fmt_bytes(double bytes, char *buf, size_t n);
/* fmt_bytes with "/s" appended. */
char *fmt_rate(double bytes_per_sec, char *buf, size_t n);
/* Local time "YYYY-MM-DD HH:MM:SS" of a Unix timestamp; returns buf. */
char *fmt_local_time(double unix_seconds, char *buf, size_t n);

#endif
