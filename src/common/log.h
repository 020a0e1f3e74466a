/* log.h - leveled logging to stderr or a file, safe from any thread; the
 * file is rotated at a size limit and can be reopened (SIGHUP). */
#ifndef HIRO_LOG_H
#define HIRO_LOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { HIRO_LOG_DEBUG, HIRO_LOG_INFO, HIRO_LOG_WARN, HIRO_LOG_ERROR } log_level;

/* Longest line written; longer messages are cut (and end in "..."). */
#define LOG_LINE_MAX 8192

/* Direct log output to f (not owned; default stderr). Ends file mode. */
void log_set_output(FILE *f);
void log_set_level(log_level min);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* File mode: append to path (created 0600, a symlink refused), and put the
 * same file on stdout and stderr so stray writes (a sanitizer report) land in
 * the current file too. Before a line would take the file past max_bytes
 * (0 = no limit) it is rotated: path.(keep-1) -> path.keep ... path ->
 * path.1, the oldest dropped (keep 0: path is started afresh). Returns false
 * with the reason in err when path cannot be opened (logging is unchanged). */
bool log_open_file(const char *path, uint64_t max_bytes, int keep, char *err, size_t errlen);
/* File mode: open path again (after someone renamed it away: logrotate, then
 * SIGHUP) and continue there. Returns false (logged) when it cannot be opened
 * or when not in file mode; then logging continues where it was. */
bool log_reopen(void);
/* Leave file mode (close the file; back to stderr). */
void log_close_file(void);

#define log_debug(...) log_msg(HIRO_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(HIRO_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(HIRO_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(HIRO_LOG_ERROR, __VA_ARGS__)

#endif
