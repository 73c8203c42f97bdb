/* ORT_DISABLE_TELEMETRY is set when libozinstant is loaded (an ELF constructor), before main
 * runs and before any engine exists, and only when it is absent: an explicit value stays.
 *
 *   test_env EXPECTED    exits 0 when getenv("ORT_DISABLE_TELEMETRY") at the top of main is
 *                        EXPECTED ("unset" for none)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ozinstant.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s EXPECTED\n", argv[0]);
    return 2;
  }
  const char *value = getenv("ORT_DISABLE_TELEMETRY");
  const char *shown = value ? value : "unset";
  /* A call into the library, so that the link keeps it (and its constructor). */
  printf("ozinstant %s: ORT_DISABLE_TELEMETRY=%s at main (expected %s)\n", ozi_version(), shown, argv[1]);
  return strcmp(shown, argv[1]) == 0 ? 0 : 1;
}
