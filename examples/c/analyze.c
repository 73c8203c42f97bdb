/* Analyse every photo, video (MP4, MOV, WebM) or ZIP shot set named on the command line; print its verdict.
 * Usage: analyze FILE...   (exit status 1 if any file could not be analysed) */
#include <stdio.h>
#include <string.h>

#include "ozinstant.h"

static const char *resolution_name(ozi_resolution r) {
  switch (r) {
    case OZI_RESOLUTION_SUCCESS: return "SUCCESS";
    case OZI_RESOLUTION_DECLINED: return "DECLINED";
    case OZI_RESOLUTION_FAILED: return "FAILED";
    /* Only with a "review_band" in the config or the options: the score needs a person's review. */
    case OZI_RESOLUTION_OPERATOR_REQUIRED: return "OPERATOR_REQUIRED";
  }
  return "UNKNOWN"; /* a value from a newer library */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s IMAGE...\n", argv[0]);
    return 2;
  }
  ozi_engine *engine = NULL;
  ozi_error *error = NULL;
  /* NULL config = defaults. ONNX Runtime: "ort_library_path", else ORT_DYLIB_PATH, else beside
     libozinstant.so (or in its ../lib), else the system loader. */
  if (ozi_engine_new(NULL, &engine, &error) != OZI_STATUS_OK) {
    fprintf(stderr, "cannot create the engine: %s\n", ozi_error_message(error));
    ozi_error_free(error);
    return 1;
  }

  int failures = 0;
  for (int i = 1; i < argc; i++) {
    ozi_verdict verdict;
    char *json = NULL;
    if (ozi_engine_analyze_path(engine, argv[i], NULL, &verdict, &json, &error) == OZI_STATUS_OK) {
      printf("%s: %s", argv[i], resolution_name(verdict.resolution));
      if (verdict.has_score) printf(" confidence_spoofing=%.4f", verdict.confidence_spoofing);
      printf(" json=%zu bytes\n", strlen(json));
    } else {
      fprintf(stderr, "%s: %s: %s\n", argv[i], ozi_error_name(error), ozi_error_message(error));
      failures++;
    }
    ozi_string_free(json);
    ozi_error_free(error);
  }

  ozi_engine_free(engine);
  return failures > 0 ? 1 : 0;
}
