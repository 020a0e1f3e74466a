/* migrations.h - the embedded migrations/NNNN_*.sql files (store-internal). */
#ifndef HIRO_STORE_MIGRATIONS_H
#define HIRO_STORE_MIGRATIONS_H

struct store_migration {
  int version;      /* NNNN of the file name: 1, 2, ... without gaps */
  const char *name; /* file name, for messages */
  const char *sql;  /* NUL-terminated file contents */
};

/* Ordered by version, terminated by an entry with sql == NULL. Generated at
 * build time by src/store/embed_migrations.cmake. */
extern const struct store_migration store_migrations[];

#endif
