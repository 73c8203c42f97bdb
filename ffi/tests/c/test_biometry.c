/* Biometry through the C API: the request options JSON asks for `biometry`, tags media by
 * position (`media_tags`) and sets the threshold per call; the result JSON carries the
 * `biometry` section. obama vs obama2 match, obama vs biden do not, a three-media folder
 * reports its least similar pair.
 *
 * Usage: test_biometry [SAMPLES_DIR] (default: samples). Prints "test_biometry: N passed, M
 * failed"; exits 1 if any check failed. */
#define _POSIX_C_SOURCE 200809L

#include "test_common.h"

static char paths[3][4096];

/* Runs a request over the first `count` samples; returns the result JSON (free it) or NULL. */
static char *request(ozi_engine *engine, size_t count, const char *options) {
  ozi_media media[3];
  memset(media, 0, sizeof media);
  for (size_t i = 0; i < count; i++) media[i] = (ozi_media){.kind = OZI_MEDIA_KIND_PATH, .path = paths[i]};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, count, options, &json, &err);
  CHECK(s == OZI_STATUS_OK, "request: %d %s", (int)s, err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  return s == OZI_STATUS_OK ? json : NULL;
}

int main(int argc, char **argv) {
  parse_args(argc, argv, NULL, NULL, NULL);
  const char *names[3] = {"facerec_live_obama.jpg", "facerec_live_obama2.jpg", "facerec_live_biden.jpg"};
  for (int i = 0; i < 3; i++) snprintf(paths[i], sizeof paths[i], "%s", sample(names[i]));

  ozi_engine *engine = new_engine("{\"threads\":2}");
  CHECK(engine != NULL, "engine_new({\"threads\":2})");
  if (engine == NULL) return 1;

  const char *both = "{\"analyses\":[\"quality\",\"biometry\"]}";
  /* obama + obama2: same person. */
  char *json = request(engine, 2, both);
  if (json) {
    CHECK(strstr(json, "\"biometry\":{\"analysis\":\"biometry\",\"resolution\":\"SUCCESS\"") != NULL,
          "obama/obama2 match: %.400s", strstr(json, "\"biometry\"") ? strstr(json, "\"biometry\"") : json);
    CHECK(strstr(json, "\"embedding\"") == NULL, "no embedding unless asked");
    ozi_string_free(json);
  }
  /* obama + obama2 + biden: DECLINED, least similar pair involves biden (media 2). */
  json = request(engine, 3, both);
  if (json) {
    const char *b = strstr(json, "\"biometry\":");
    CHECK(b != NULL && strstr(b, "\"resolution\":\"DECLINED\"") != NULL, "folder with biden declined");
    CHECK(b != NULL && strstr(b, "\"least_similar\":{\"a\":0,\"b\":2") != NULL, "least similar pair: %.300s",
          b ? b : json);
    ozi_string_free(json);
  }
  /* Tags by position and a per-call threshold; embeddings on request. */
  json = request(engine, 2,
                 "{\"analyses\":[\"quality\",\"biometry\"],\"media_tags\":[null,\"photo_id_front\"],"
                 "\"biometry_threshold\":0.99,\"return_embeddings\":true}");
  if (json) {
    CHECK(strstr(json, "\"tag\":\"photo_id_front\",\"analysis\":\"detection\"") != NULL, "ID photo: detection only");
    CHECK(strstr(json, "\"threshold\":0.99") != NULL, "per-call threshold");
    CHECK(strstr(json, "\"embedding\":[") != NULL, "embeddings returned");
    ozi_string_free(json);
  }
  /* Bad tag: invalid input. */
  ozi_media media[2] = {{.kind = OZI_MEDIA_KIND_PATH, .path = paths[0]}, {.kind = OZI_MEDIA_KIND_PATH, .path = paths[1]}};
  json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, 2, "{\"media_tags\":[\"passport\",null]}", &json, &err);
  CHECK(s == OZI_STATUS_INVALID_INPUT && json == NULL, "bad tag: %d", (int)s);
  ozi_error_free(err);

  ozi_engine_free(engine);
  return test_summary("test_biometry");
}
