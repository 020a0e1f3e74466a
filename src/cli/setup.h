/* setup.h - the pieces of `hirocli setup` that work on the channels list
 * (setup_channels.c), shared with cmd_setup.c. */
#ifndef HIRO_CLI_SETUP_H
#define HIRO_CLI_SETUP_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Split a command line into words the way a POSIX shell does, without
 * running anything: blanks separate words; '...' keeps everything literally;
 * "..." keeps everything except that \" \\ \$ \` stand for the character;
 * outside quotes a backslash makes the next character literal. Unquoted
 * shell operators (; | & < > $ `) are refused: no shell runs the command.
 * Returns a new array of strings, or NULL with the reason in why. */
cJSON *setup_split_words(const char *line, char *why, size_t whylen);

/* What the setup command changes in "channels", in this order. */
typedef struct {
  bool clear;          /* --no-plugin_manager */
  const char **remove; /* --remove-channel NAME... */
  size_t n_remove;
  const char **add; /* --channel 'NAME=COMMAND [ARG...]'... */
  size_t n_add;
  const char **restart_on; /* --restart NAME... */
  size_t n_restart_on;
  const char **restart_off; /* --no-restart NAME... */
  size_t n_restart_off;
} setup_channel_edits;

/* The channels array config.json will hold after edits, starting from the
 * one in the workspace's file (or none). Relative command paths are made
 * absolute against the current directory (notes about that are printed).
 * Returns NULL with a one-line reason in why when an edit is malformed. */
cJSON *setup_build_channels(const char *workspace, const setup_channel_edits *edits, char *why,
                            size_t whylen);

#endif
