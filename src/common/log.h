/* log.h - leveled logging to stderr or a file, safe from any thread. */
#ifndef HIRO_LOG_H
#define HIRO_LOG_H
#include <stdio.h>

typedef enum { HIRO_LOG_DEBUG, HIRO_LOG_INFO, HIRO_LOG_WARN, HIRO_LOG_ERROR } log_level;

/* Direct log output to f (not owned; default stderr). */
void log_set_output(FILE *f);
void log_set_level(log_level min);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(HIRO_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(HIRO_LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(HIRO_LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(HIRO_LOG_ERROR, __VA_ARGS__)

#endif
