/* dblock.h - <metrics database>.lock: at most one server records into a
 * database, whichever workspace it runs in. */
#ifndef HIRO_DBLOCK_H
#define HIRO_DBLOCK_H
#include <stddef.h>

/* Create/open "<db_path>.lock" beside the database (no symlink followed),
 * take an exclusive flock and write "workspace <dir>\npid <n>\n" into it.
 * Returns the fd to keep open while the database is in use, or -1 with the
 * reason in err: another server holds it (naming its workspace and pid, as
 * written in the file) or the file cannot be created. Changes nothing when it
 * fails. */
int dblock_acquire(const char *db_path, const char *workspace, char *err, size_t errlen);

/* Empty the file and drop the lock (the file stays: removing a lock file
 * races with the next taker). Safe with fd < 0. */
void dblock_release(int fd);

#endif
