-- 0009_application_id.sql - mark the file as a hirocli metrics database.
-- 1214870127 = 0x4869726F, "Hiro" in ASCII (STORE_APPLICATION_ID). The store
-- refuses to write to a non-empty file that carries neither this mark nor the
-- tables of an older hirocli database (user_version 1 to 8), so it never
-- changes someone else's SQLite file.
PRAGMA application_id = 1214870127;
