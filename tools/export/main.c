/* main.c - hiro-metrics-export: the CSV exporter of CONTRACT §9. All of it
 * lives in src/export/ (shared with `hirocli metrics export`). */
#include "export/export.h"

int main(int argc, char **argv) { return export_main(argc, argv); }
