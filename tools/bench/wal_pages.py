#!/usr/bin/env python3
"""tools/bench/wal_pages.py - which pages each commit in a WAL wrote: reads
DB-wal's frame headers (page number, commit marker), names each page's
owner with dbstat (on a copy of DB and its WAL) and prints, for the last
commits, how many frames went to each table, plus the average per commit.
Page 1 is 'sqlite_schema' (the header); pages dbstat does not know are
pointer-map or free pages.

    tools/bench/wal_pages.py DB [--last N]

Use it on a database the writer left with its WAL in place (a server killed
with SIGKILL, or a copy of DB and DB-wal taken while it runs)."""
import argparse
import collections
import os
import shutil
import sqlite3
import struct
import tempfile


def frames(wal_path):
    with open(wal_path, "rb") as f:
        data = f.read()
    if len(data) < 32:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = struct.unpack(">II", data[16:24])
    out, off = [], 32
    while off + 24 + page_size <= len(data):
        pno, db_size, s1, s2 = struct.unpack(">IIII", data[off:off + 16])
        if (s1, s2) != salts:
            break  # frames of an earlier WAL generation
        out.append((pno, db_size))
        off += 24 + page_size
    return out


def owners(db_path):
    tmp = tempfile.mkdtemp(prefix="wal-pages-")
    try:
        copy = os.path.join(tmp, "db")
        shutil.copy(db_path, copy)
        shutil.copy(db_path + "-wal", copy + "-wal")
        con = sqlite3.connect(copy)
        try:
            return dict((pageno, name) for name, pageno in
                        con.execute("SELECT name, pageno FROM dbstat"))
        finally:
            con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("--last", type=int, default=20)
    args = ap.parse_args()
    owner = owners(args.db)
    commits, cur = [], []
    for pno, db_size in frames(args.db + "-wal"):
        cur.append(pno)
        if db_size:  # the commit frame
            commits.append(cur)
            cur = []
    print(f"{len(commits)} commits in the WAL")
    tally = collections.Counter()
    last = commits[-args.last:]
    for c in last:
        names = [owner.get(p, "pointer map / free") for p in c]
        tally.update(names)
        print(len(c), collections.Counter(names).most_common())
    if last:
        print(f"frames per commit over the last {len(last)}:",
              {k: round(v / len(last), 2) for k, v in tally.most_common()})


if __name__ == "__main__":
    main()
