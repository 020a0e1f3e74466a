/* main.c - hirocli entry point (placeholder until the CLI lands). */
#include <stdio.h>
#include <string.h>

#include "build_info.h"

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("hirocli %s\n", HIRO_VERSION);
    return 0;
  }
  fprintf(stderr, "usage: hirocli --version\n");
  return 2;
}
