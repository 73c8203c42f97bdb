/* Exercises every entry point of the ozinstant C API, including NULL for every pointer
 * parameter, error objects, raw pixels with lying geometry, requests, asynchronous submission
 * and the verdicts on the repository's samples.
 *
 * Usage: test_api [--quick] [SAMPLES_DIR]   (default: samples). Prints one line per failed
 * check and a summary "test_api: N passed, M failed"; exits 1 if any check failed. Run from the
 * repository root (ONNX Runtime is found in .cache/onnxruntime/).
 *
 * --quick (used under valgrind, where one analysis of a photo takes 20 to 30 s): one worker
 * thread, and small synthetic images instead of photos except for the SUCCESS and
 * MULTIPLE_FACES verdicts; every entry point and every error path is still exercised (the
 * decision settings, security levels and review bands, only through their error paths). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>

#include "test_common.h"

static int quick = 0;

/* Checks that `status` is `expected`, that `err` carries the same code and a name and message,
 * and frees `err`. */
static void expect_error(ozi_status status, ozi_error *err, ozi_status expected, const char *what) {
  CHECK(status == expected, "%s: status %d (%s), expected %d (%s)", what, (int)status,
        ozi_status_name((uint32_t)status), (int)expected, ozi_status_name((uint32_t)expected));
  CHECK(err != NULL, "%s: no error object", what);
  if (err != NULL) {
    CHECK(ozi_error_code(err) == expected, "%s: error code %d", what, (int)ozi_error_code(err));
    CHECK(strcmp(ozi_error_name(err), ozi_status_name((uint32_t)expected)) == 0, "%s: name %s", what,
          ozi_error_name(err));
    CHECK(strlen(ozi_error_message(err)) > 0, "%s: empty message", what);
  }
  ozi_error_free(err);
}

#define EXPECT_NULL_ARG(call, what)                \
  do {                                             \
    ozi_error *e_ = NULL;                          \
    ozi_error **error_out = &e_;                   \
    ozi_status s_ = (call);                        \
    expect_error(s_, e_, OZI_STATUS_NULL_ARGUMENT, what); \
  } while (0)

static void test_static_functions(void) {
  CHECK(strlen(ozi_version()) > 0, "empty version");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_OK), "ok") == 0, "ok name");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_DECODE_FAILED), "decode_failed") == 0, "decode name");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_SHUTTING_DOWN), "shutting_down") == 0, "14 name");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_NULL_ARGUMENT), "null_argument") == 0, "100 name");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_PANIC), "panic") == 0, "101 name");
  CHECK(strcmp(ozi_status_name(15), "unsupported_codec") == 0, "15 is unsupported_codec");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_FORKED), "forked") == 0 && OZI_STATUS_FORKED == 16, "16 name");
  CHECK(strcmp(ozi_status_name(17), "video_too_long") == 0, "17 is video_too_long");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_ARCHIVE_REJECTED), "archive_rejected") == 0 &&
            OZI_STATUS_ARCHIVE_REJECTED == 18,
        "18 is archive_rejected");
  CHECK(strcmp(ozi_status_name(19), "unknown") == 0, "19 is not a status (yet)");
  CHECK(OZI_MEDIA_KIND_FRAMES == 4, "FRAMES kind number");
  CHECK(OZI_STATUS_INVALID_INPUT == 1 && OZI_STATUS_BUSY == 7 && OZI_STATUS_INVALID_CONFIG == 11,
        "stable numbers");
  CHECK(OZI_RESOLUTION_SUCCESS == 0 && OZI_RESOLUTION_DECLINED == 1 && OZI_RESOLUTION_FAILED == 2 &&
            OZI_RESOLUTION_OPERATOR_REQUIRED == 3,
        "stable resolution numbers");
  /* Free functions accept NULL. */
  ozi_error_free(NULL);
  ozi_string_free(NULL);
  ozi_engine_free(NULL);
  /* Error accessors accept NULL. */
  CHECK(ozi_error_code(NULL) == OZI_STATUS_NULL_ARGUMENT, "code(NULL)");
  CHECK(ozi_error_message(NULL) != NULL, "message(NULL)");
  CHECK(strcmp(ozi_error_name(NULL), "null_argument") == 0, "name(NULL)");
  CHECK(!ozi_engine_ready(NULL), "ready(NULL)");
}

static void test_engine_new_errors(void) {
  ozi_engine *engine = (ozi_engine *)&engine; /* garbage that must be overwritten */
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_new("{\"threads\": ", &engine, &err);
  CHECK(engine == NULL, "engine_out not cleared on failure");
  expect_error(s, err, OZI_STATUS_INVALID_CONFIG, "truncated config JSON");

  s = ozi_engine_new("{\"no_such_setting\": 1}", &engine, &err);
  expect_error(s, err, OZI_STATUS_INVALID_CONFIG, "unknown config key");

  s = ozi_engine_new("{\"threshold\": 2}", &engine, &err);
  expect_error(s, err, OZI_STATUS_INVALID_CONFIG, "threshold out of range");

  s = ozi_engine_new("\xff\xfe", &engine, &err);
  expect_error(s, err, OZI_STATUS_INVALID_CONFIG, "config not UTF-8");

  /* The decision settings and the liveness section are checked before anything loads. */
  static const char *const bad_configs[] = {
      "{\"security_level\": \"extreme\"}",
      "{\"security_level\": 3}",
      "{\"review_band\": [0.7, 0.2]}",
      "{\"review_band\": [-0.1, 0.4]}",
      "{\"review_band\": [0.2, 1.5]}",
      "{\"review_band\": [0.5]}",
      "{\"review_band\": \"0.4,0.6\"}",
      "{\"liveness\": {\"models\": []}}",
      "{\"liveness\": {\"models\": [\"minifasnet\", \"minifasnet\"]}}",
      "{\"liveness\": {\"models\": [\"deepfake\"]}}",
      "{\"liveness\": {\"fusion\": \"median\"}}",
      "{\"liveness\": {\"models\": [\"suri\"], \"extra\": 1}}",
  };
  for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
    s = ozi_engine_new(bad_configs[i], &engine, &err);
    CHECK(engine == NULL, "%s: an engine came back", bad_configs[i]);
    expect_error(s, err, OZI_STATUS_INVALID_CONFIG, bad_configs[i]);
  }
  /* The messages name what is wrong. */
  s = ozi_engine_new("{\"security_level\": \"extreme\"}", &engine, &err);
  CHECK(s == OZI_STATUS_INVALID_CONFIG && err != NULL && strstr(ozi_error_message(err), "extreme") != NULL,
        "security level message: %s", err ? ozi_error_message(err) : "(no error)");
  ozi_error_free(err);
  err = NULL;
  s = ozi_engine_new("{\"review_band\": [0.7, 0.2]}", &engine, &err);
  CHECK(s == OZI_STATUS_INVALID_CONFIG && err != NULL && strstr(ozi_error_message(err), "review_band") != NULL,
        "review band message: %s", err ? ozi_error_message(err) : "(no error)");
  ozi_error_free(err);
  err = NULL;

  /* Before any engine loaded ONNX Runtime: a configured path that does not exist. */
  s = ozi_engine_new("{\"ort_library_path\": \"/nonexistent/libonnxruntime.so\"}", &engine, &err);
  expect_error(s, err, OZI_STATUS_RUNTIME_NOT_FOUND, "missing ort_library_path");

  /* error_out may be NULL. */
  s = ozi_engine_new("{", &engine, NULL);
  CHECK(s == OZI_STATUS_INVALID_CONFIG, "NULL error_out: %d", (int)s);

  EXPECT_NULL_ARG(ozi_engine_new(NULL, NULL, error_out), "engine_new(engine_out=NULL)");
}

static void test_info_stats_warm_up(const ozi_engine *engine) {
  CHECK(ozi_engine_ready(engine), "engine not ready");
  ozi_error *err = NULL;
  CHECK(ozi_engine_warm_up(engine, &err) == OZI_STATUS_OK, "warm_up: %s", ozi_error_message(err));
  ozi_error_free(err);

  char *json = NULL;
  CHECK(ozi_engine_info(engine, &json, NULL) == OZI_STATUS_OK, "info");
  CHECK(json != NULL && strstr(json, "\"library_path\"") != NULL && strstr(json, "\"models\"") != NULL,
        "info JSON: %s", json ? json : "(null)");
  ozi_string_free(json);

  CHECK(ozi_engine_stats(engine, &json, NULL) == OZI_STATUS_OK, "stats");
  CHECK(json != NULL && strstr(json, "\"requests_accepted\"") != NULL, "stats JSON: %s", json ? json : "(null)");
  ozi_string_free(json);

  EXPECT_NULL_ARG(ozi_engine_warm_up(NULL, error_out), "warm_up(engine=NULL)");
  EXPECT_NULL_ARG(ozi_engine_info(NULL, &json, error_out), "info(engine=NULL)");
  EXPECT_NULL_ARG(ozi_engine_info(engine, NULL, error_out), "info(json_out=NULL)");
  EXPECT_NULL_ARG(ozi_engine_stats(NULL, &json, error_out), "stats(engine=NULL)");
  EXPECT_NULL_ARG(ozi_engine_stats(engine, NULL, error_out), "stats(json_out=NULL)");
}

/* Analyses a sample by path and checks its verdict. */
static void expect_verdict(const ozi_engine *engine, const char *name, ozi_resolution expected,
                           ozi_fail_reason expected_reason, const char *json_must_contain) {
  ozi_verdict v;
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_path(engine, sample(name), NULL, &v, &json, &err);
  CHECK(s == OZI_STATUS_OK, "%s: status %d: %s", name, (int)s, err ? ozi_error_message(err) : "");
  if (s == OZI_STATUS_OK) {
    CHECK(v.resolution == expected, "%s: resolution %d, expected %d", name, (int)v.resolution, (int)expected);
    CHECK(v.reason == expected_reason, "%s: reason %d, expected %d", name, (int)v.reason, (int)expected_reason);
    if (expected != OZI_RESOLUTION_FAILED) {
      CHECK(v.has_score && v.confidence_spoofing >= 0.0 && v.confidence_spoofing <= 1.0, "%s: score %f", name,
            v.confidence_spoofing);
    }
    CHECK(json_must_contain == NULL || strstr(json, json_must_contain) != NULL, "%s: JSON lacks %s: %s", name,
          json_must_contain, json);
    CHECK(strstr(json, "\"source\":") != NULL, "%s: path not reported as source", name);
  }
  ozi_string_free(json);
  ozi_error_free(err);
}

static void test_verdicts(const ozi_engine *engine) {
  expect_verdict(engine, "minivision_live_image_T1.jpg", OZI_RESOLUTION_SUCCESS, OZI_FAIL_REASON_NONE,
                 "\"resolution\":\"SUCCESS\"");
  expect_verdict(engine, "group_three_faces.jpg", OZI_RESOLUTION_FAILED, OZI_FAIL_REASON_MULTIPLE_FACES,
                 "\"reason\":\"MULTIPLE_FACES\"");
  if (quick) return; /* DECLINED is checked through a request below */
  expect_verdict(engine, "minivision_spoof_print_image_F1.jpg", OZI_RESOLUTION_DECLINED, OZI_FAIL_REASON_NONE,
                 "\"resolution\":\"DECLINED\"");

  /* With face_policy "largest" the group photo gets a verdict instead. */
  ozi_verdict v;
  char *json = NULL;
  CHECK(ozi_engine_analyze_path(engine, sample("group_three_faces.jpg"), "{\"face_policy\":\"largest\"}", &v,
                                &json, NULL) == OZI_STATUS_OK,
        "group largest");
  CHECK(v.resolution != OZI_RESOLUTION_FAILED || v.reason != OZI_FAIL_REASON_MULTIPLE_FACES,
        "largest policy still MULTIPLE_FACES");
  ozi_string_free(json);
}

static void test_bytes(const ozi_engine *engine) {
  size_t len = 0;
  unsigned char *jpeg = read_file(sample("minivision_live_image_T1.jpg"), &len);
  CHECK(jpeg != NULL && len > 1000, "cannot read the T1 sample");
  if (jpeg == NULL) return;

  ozi_verdict v;
  char *json = NULL;
  ozi_error *err = NULL;
  /* A valid encoded image without a face: OK with FAILED/NO_FACE; the options are honoured. */
  size_t bmp_len = 0;
  unsigned char *bmp = make_bmp(96, 72, &bmp_len);
  ozi_status s = ozi_engine_analyze_bytes(engine, bmp, bmp_len, "{\"request_id\":\"bytes-1\",\"threshold\":0.5}",
                                          &v, &json, &err);
  CHECK(s == OZI_STATUS_OK && v.resolution == OZI_RESOLUTION_FAILED && v.reason == OZI_FAIL_REASON_NO_FACE,
        "BMP bytes: %d %d %d", (int)s, (int)v.resolution, (int)v.reason);
  CHECK(json != NULL && strstr(json, "\"request_id\":\"bytes-1\"") != NULL, "bytes request id");
  CHECK(json != NULL && strstr(json, "\"format\":\"bmp\"") != NULL, "BMP format: %s", json ? json : "");
  ozi_string_free(json);
  ozi_error_free(err);
  free(bmp);

  if (!quick) {
    s = ozi_engine_analyze_bytes(engine, jpeg, len, NULL, &v, &json, &err);
    CHECK(s == OZI_STATUS_OK && v.resolution == OZI_RESOLUTION_SUCCESS && v.has_score, "bytes T1: %d %d", (int)s,
          (int)v.resolution);
    ozi_string_free(json);
    ozi_error_free(err);
  }

  /* Not an image. */
  const unsigned char junk[] = "this is not an image, just some text bytes";
  v.resolution = OZI_RESOLUTION_SUCCESS;
  s = ozi_engine_analyze_bytes(engine, junk, sizeof junk, NULL, &v, &json, &err);
  CHECK(json == NULL, "json_out set on failure");
  CHECK(v.resolution == OZI_RESOLUTION_FAILED && !v.has_score && isnan(v.confidence_spoofing),
        "verdict on failure");
  expect_error(s, err, OZI_STATUS_UNSUPPORTED_FORMAT, "junk bytes");

  /* A JPEG cut short: the header is valid, the data is not. */
  s = ozi_engine_analyze_bytes(engine, jpeg, 600, NULL, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_DECODE_FAILED, "truncated JPEG");

  /* Empty media. */
  s = ozi_engine_analyze_bytes(engine, jpeg, 0, NULL, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "empty bytes");

  /* Bad options. */
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "{\"threshold\": 7}", NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "threshold option out of range");
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "{\"request_id\": \"has space\"}", NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "bad request id");
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "{\"unknown_option\": 1}", NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "unknown option");
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "not json", NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "options not JSON");
  static const char *const bad_decisions[] = {
      "{\"security_level\": \"extreme\"}", "{\"security_level\": \"HIGH\"}",
      "{\"review_band\": [0.7, 0.2]}",       "{\"review_band\": [0.2, 1.01]}",
      "{\"review_band\": [0.5]}",            "{\"review_band\": [0.1, 0.2, 0.3]}",
      "{\"review_band\": null, \"security_level\": 1}",
  };
  for (size_t i = 0; i < sizeof bad_decisions / sizeof bad_decisions[0]; i++) {
    v.resolution = OZI_RESOLUTION_SUCCESS;
    s = ozi_engine_analyze_bytes(engine, jpeg, len, bad_decisions[i], &v, &json, &err);
    CHECK(json == NULL && v.resolution == OZI_RESOLUTION_FAILED, "%s: output set on failure", bad_decisions[i]);
    expect_error(s, err, OZI_STATUS_INVALID_INPUT, bad_decisions[i]);
  }
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "{\"security_level\": \"extreme\"}", NULL, &json, &err);
  CHECK(s == OZI_STATUS_INVALID_INPUT && err != NULL && strstr(ozi_error_message(err), "extreme") != NULL,
        "security level option message: %s", err ? ozi_error_message(err) : "(no error)");
  ozi_error_free(err);
  err = NULL;
  s = ozi_engine_analyze_bytes(engine, jpeg, len, "{\"review_band\": [0.7, 0.2]}", NULL, &json, &err);
  CHECK(s == OZI_STATUS_INVALID_INPUT && err != NULL && strstr(ozi_error_message(err), "review_band") != NULL,
        "review band option message: %s", err ? ozi_error_message(err) : "(no error)");
  ozi_error_free(err);
  err = NULL;
  /* Bad options in a request and a submission are refused the same way, before any work. */
  ozi_media one = {.kind = OZI_MEDIA_KIND_BYTES, .data = jpeg, .len = len};
  s = ozi_engine_analyze_request(engine, &one, 1, "{\"review_band\": [0.9, 0.1]}", &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "request with a reversed review band");
  s = ozi_engine_analyze_request(engine, &one, 1, "{\"security_level\": \"extreme\"}", &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "request with an unknown security level");

  /* A file that does not exist. */
  s = ozi_engine_analyze_path(engine, sample("no_such_file.jpg"), NULL, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_IO_ERROR, "missing file");

  /* NULL for every pointer parameter that must not be NULL. */
  EXPECT_NULL_ARG(ozi_engine_analyze_bytes(NULL, jpeg, len, NULL, &v, &json, error_out), "bytes(engine)");
  EXPECT_NULL_ARG(ozi_engine_analyze_bytes(engine, NULL, len, NULL, &v, &json, error_out), "bytes(data)");
  EXPECT_NULL_ARG(ozi_engine_analyze_bytes(engine, jpeg, len, NULL, &v, NULL, error_out), "bytes(json_out)");
  EXPECT_NULL_ARG(ozi_engine_analyze_path(NULL, sample("x.jpg"), NULL, &v, &json, error_out), "path(engine)");
  EXPECT_NULL_ARG(ozi_engine_analyze_path(engine, NULL, NULL, &v, &json, error_out), "path(path)");
  EXPECT_NULL_ARG(ozi_engine_analyze_path(engine, sample("x.jpg"), NULL, &v, NULL, error_out), "path(json_out)");
  /* Everything NULL, including error_out. */
  CHECK(ozi_engine_analyze_bytes(NULL, NULL, 0, NULL, NULL, NULL, NULL) == OZI_STATUS_NULL_ARGUMENT, "all NULL");
  CHECK(ozi_engine_analyze_path(NULL, NULL, NULL, NULL, NULL, NULL) == OZI_STATUS_NULL_ARGUMENT, "all NULL");
  free(jpeg);
}

static void test_pixels(const ozi_engine *engine) {
  enum { W = 96, H = 72, PAD = 8 };
  const size_t stride = W * 4 + PAD;
  size_t len = 0;
  unsigned char *px = make_frame(W, H, stride, &len);
  CHECK(px != NULL, "malloc");
  if (px == NULL) return;

  ozi_verdict v;
  char *json = NULL;
  ozi_error *err = NULL;
  /* A valid padded BGRA frame without a face: OK, FAILED/NO_FACE. */
  ozi_status s = ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_BGRA8, W, H, stride, NULL, &v, &json,
                                           &err);
  CHECK(s == OZI_STATUS_OK, "pixels: %d %s", (int)s, err ? ozi_error_message(err) : "");
  CHECK(s != OZI_STATUS_OK || (v.resolution == OZI_RESOLUTION_FAILED && v.reason == OZI_FAIL_REASON_NO_FACE),
        "pixels verdict %d/%d", (int)v.resolution, (int)v.reason);
  CHECK(s != OZI_STATUS_OK || strstr(json, "raw_bgra8") != NULL, "pixels JSON: %s", json);
  ozi_string_free(json);
  ozi_error_free(err);

  if (!quick) {
    /* Tightly packed RGB (stride 0). */
    s = ozi_engine_analyze_pixels(engine, px, (size_t)W * 3 * H, OZI_PIXEL_FORMAT_RGB8, W, H, 0, NULL, &v, &json,
                                  NULL);
    CHECK(s == OZI_STATUS_OK, "packed RGB: %d", (int)s);
    ozi_string_free(json);
  }

  /* Lying geometry: stride shorter than a row, buffer shorter than the frame, zero size,
   * unknown format. */
  s = ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_BGRA8, W, H, W * 4 - 1, NULL, &v, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "stride shorter than a row");
  s = ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_BGRA8, W, H, stride * 2, NULL, &v, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "stride beyond the buffer");
  /* The last row needs no padding: stride * (H - 1) + W * 4 bytes is enough, one less is not.
   * (verdict_out may be NULL.) */
  const size_t minimum = stride * (H - 1) + W * 4;
  s = ozi_engine_analyze_pixels(engine, px, minimum, OZI_PIXEL_FORMAT_BGRA8, W, H, stride, NULL, NULL, &json, &err);
  CHECK(s == OZI_STATUS_OK && json != NULL, "minimum buffer: %d", (int)s);
  ozi_string_free(json);
  ozi_error_free(err);
  s = ozi_engine_analyze_pixels(engine, px, minimum - 1, OZI_PIXEL_FORMAT_BGRA8, W, H, stride, NULL, &v, &json,
                                &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "buffer one byte short");
  s = ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_RGB8, 0, H, 0, NULL, &v, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "zero width");
  s = ozi_engine_analyze_pixels(engine, px, len, 0, W, H, 0, NULL, &v, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "format 0");
  s = ozi_engine_analyze_pixels(engine, px, len, 99, W, H, 0, NULL, &v, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "format 99");
  CHECK(json == NULL, "json_out set on failure");

  EXPECT_NULL_ARG(ozi_engine_analyze_pixels(NULL, px, len, OZI_PIXEL_FORMAT_RGB8, W, H, 0, NULL, &v, &json,
                                            error_out),
                  "pixels(engine)");
  EXPECT_NULL_ARG(ozi_engine_analyze_pixels(engine, NULL, len, OZI_PIXEL_FORMAT_RGB8, W, H, 0, NULL, &v, &json,
                                            error_out),
                  "pixels(data)");
  EXPECT_NULL_ARG(ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_RGB8, W, H, 0, NULL, &v, NULL,
                                            error_out),
                  "pixels(json_out)");
  free(px);
}

static void test_request(const ozi_engine *engine) {
  /* Full mode: the live sample by path and the print attack as bytes, so the folder is DECLINED.
   * --quick: a missing file and a face-less BMP (cheap under valgrind), so it is FAILED. */
  size_t len = 0;
  unsigned char *encoded =
      quick ? make_bmp(64, 48, &len) : read_file(sample("minivision_spoof_print_image_F1.jpg"), &len);
  CHECK(encoded != NULL, "cannot read the F1 sample");
  if (encoded == NULL) return;
  char path[4096];
  snprintf(path, sizeof path, "%s", sample(quick ? "no_such_file.jpg" : "minivision_live_image_T1.jpg"));
  const unsigned char junk[] = "junk";
  size_t frame_len = 0;
  unsigned char *frame = make_frame(64, 48, 64 * 4, &frame_len);
  CHECK(frame != NULL, "malloc");
  if (frame == NULL) return;

  ozi_media media[4];
  memset(media, 0, sizeof media);
  media[0] = (ozi_media){.kind = OZI_MEDIA_KIND_PATH, .path = path, .label = "front"};
  media[1] = (ozi_media){.kind = OZI_MEDIA_KIND_BYTES, .data = encoded, .len = len};
  media[2] = (ozi_media){.kind = OZI_MEDIA_KIND_BYTES, .data = junk, .len = sizeof junk};
  media[3] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = frame, .len = frame_len,
                         .format = OZI_PIXEL_FORMAT_BGRA8, .width = 64, .height = 48, .stride = 64 * 4};

  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, 4, "{\"request_id\":\"req-c-1\"}", &json, &err);
  CHECK(s == OZI_STATUS_OK, "request: %d %s", (int)s, err ? ozi_error_message(err) : "");
  if (s == OZI_STATUS_OK) {
    const char *expected = quick ? "\"request_id\":\"req-c-1\",\"resolution\":\"FAILED\""
                                 : "\"request_id\":\"req-c-1\",\"resolution\":\"DECLINED\"";
    CHECK(strstr(json, expected) != NULL, "request id / folder resolution: %.300s", json);
    CHECK(strstr(json, "\"source\":\"front\"") != NULL, "label");
    CHECK(strstr(json, "\"reason\":\"INPUT_ERROR\"") != NULL, "junk media not INPUT_ERROR");
    CHECK(strstr(json, "\"media_index\":3") != NULL && strstr(json, "raw_bgra8") != NULL, "four media");
  }
  ozi_string_free(json);
  ozi_error_free(err);

  /* Request-level errors. */
  s = ozi_engine_analyze_request(engine, media, 0, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_TOO_MANY_MEDIA, "zero media");
  ozi_media many[11];
  for (int i = 0; i < 11; i++) many[i] = media[0];
  s = ozi_engine_analyze_request(engine, many, 11, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_TOO_MANY_MEDIA, "eleven media");
  ozi_media bad = media[0];
  bad.kind = 0;
  s = ozi_engine_analyze_request(engine, &bad, 1, NULL, &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "media kind 0");
  bad = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = frame, .len = 10, .format = OZI_PIXEL_FORMAT_RGB8,
                    .width = 100, .height = 100};
  s = ozi_engine_analyze_request(engine, &bad, 1, NULL, &json, &err);
  CHECK(s == OZI_STATUS_OK && strstr(json, "\"code\":\"invalid_input\"") != NULL,
        "lying pixels in a request are an INPUT_ERROR entry: %d", (int)s);
  ozi_string_free(json);
  ozi_error_free(err);
  s = ozi_engine_analyze_request(engine, media, 1, "{\"request_id\":\"\"}", &json, &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "empty request id");

  EXPECT_NULL_ARG(ozi_engine_analyze_request(NULL, media, 1, NULL, &json, error_out), "request(engine)");
  EXPECT_NULL_ARG(ozi_engine_analyze_request(engine, NULL, 1, NULL, &json, error_out), "request(media)");
  EXPECT_NULL_ARG(ozi_engine_analyze_request(engine, media, 1, NULL, NULL, error_out), "request(json_out)");
  bad = (ozi_media){.kind = OZI_MEDIA_KIND_BYTES, .data = NULL, .len = 10};
  EXPECT_NULL_ARG(ozi_engine_analyze_request(engine, &bad, 1, NULL, &json, error_out), "request(media[0].data)");
  bad = (ozi_media){.kind = OZI_MEDIA_KIND_PATH, .path = NULL};
  EXPECT_NULL_ARG(ozi_engine_analyze_request(engine, &bad, 1, NULL, &json, error_out), "request(media[0].path)");
  bad = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = NULL, .format = OZI_PIXEL_FORMAT_RGB8};
  EXPECT_NULL_ARG(ozi_engine_analyze_request(engine, &bad, 1, NULL, &json, error_out), "request(pixels data)");
  free(frame);
  free(encoded);
}

/* --- asynchronous submission --- */

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int calls;        /* callbacks received */
  int ok_with_id;   /* OK callbacks whose JSON carried the expected request id */
  int errors;       /* callbacks with an error */
} tracker;

typedef struct {
  tracker *t;
  char request_id[32];
} job;

static void on_done(void *userdata, ozi_status status, char *json, ozi_error *error) {
  job *j = userdata;
  char needle[64];
  snprintf(needle, sizeof needle, "\"request_id\":\"%s\"", j->request_id);
  int ok = status == OZI_STATUS_OK && json != NULL && error == NULL && strstr(json, needle) != NULL;
  ozi_string_free(json);
  ozi_error_free(error);
  pthread_mutex_lock(&j->t->lock);
  j->t->calls++;
  if (ok) j->t->ok_with_id++;
  else j->t->errors++;
  pthread_cond_broadcast(&j->t->cond);
  pthread_mutex_unlock(&j->t->lock);
}

/* Waits until `count` callbacks arrived (or 10 minutes passed); returns the number received. */
static int wait_for(tracker *t, int count) {
  return wait_count(&t->lock, &t->cond, &t->calls, count, 600); /* valgrind is slow */
}

static void test_submit(ozi_engine *engine) {
  enum { MAX_JOBS = 12 };
  tracker t = {.calls = 0, .ok_with_id = 0, .errors = 0};
  pthread_mutex_init(&t.lock, NULL);
  pthread_cond_init(&t.cond, NULL);
  job jobs[MAX_JOBS + 1];
  for (int i = 0; i <= MAX_JOBS; i++) {
    jobs[i].t = &t;
    snprintf(jobs[i].request_id, sizeof jobs[i].request_id, "sub-%d", i);
  }

  /* Full mode: the live sample's bytes and the group photo by path; --quick: a small frame. */
  size_t len = 0;
  unsigned char *content =
      quick ? make_frame(64, 48, 64 * 4, &len) : read_file(sample("minivision_live_image_T1.jpg"), &len);
  CHECK(content != NULL, "cannot read the T1 sample");
  if (content == NULL) return;

  /* Submit until the engine (max_in_flight = 2) says busy. Every input buffer is copied
   * before submit returns, so each one is scribbled over and freed right away. */
  int accepted = 0, busy = 0;
  for (int i = 0; i < MAX_JOBS && busy == 0; i++) {
    unsigned char *copy = malloc(len);
    if (copy == NULL) break;
    memcpy(copy, content, len);
    char options[64];
    snprintf(options, sizeof options, "{\"request_id\":\"%s\"}", jobs[i].request_id);
    char path[4096];
    snprintf(path, sizeof path, "%s", sample("group_three_faces.jpg"));
    ozi_media m[2] = {
        {.kind = OZI_MEDIA_KIND_BYTES, .data = copy, .len = len},
        {.kind = OZI_MEDIA_KIND_PATH, .path = path},
    };
    if (quick) {
      m[0] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = copy, .len = len, .format = OZI_PIXEL_FORMAT_RGBA8,
                         .width = 64, .height = 48};
    }
    ozi_error *err = NULL;
    ozi_status s = ozi_engine_submit(engine, m, quick ? 1 : 2, options, on_done, &jobs[i], &err);
    memset(path, 0, sizeof path);
    memset(copy, 0, len);
    free(copy);
    memset(options, 'x', sizeof options - 1);
    if (s == OZI_STATUS_OK) {
      accepted++;
    } else {
      CHECK(s == OZI_STATUS_BUSY, "submit: %d %s", (int)s, ozi_error_message(err));
      CHECK(strcmp(ozi_error_name(err), "busy") == 0, "busy name");
      busy++;
    }
    ozi_error_free(err);
  }
  CHECK(accepted >= 2, "accepted %d submissions", accepted);
  CHECK(busy == 1, "no OZI_STATUS_BUSY after %d submissions", accepted);

  /* NULL arguments: refused synchronously, no callback. */
  ozi_media one = {.kind = OZI_MEDIA_KIND_BYTES, .data = content, .len = len};
  if (quick) {
    one = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = content, .len = len, .format = OZI_PIXEL_FORMAT_RGB8,
                      .width = 64, .height = 48};
  }
  EXPECT_NULL_ARG(ozi_engine_submit(NULL, &one, 1, NULL, on_done, &jobs[MAX_JOBS], error_out), "submit(engine)");
  EXPECT_NULL_ARG(ozi_engine_submit(engine, NULL, 1, NULL, on_done, &jobs[MAX_JOBS], error_out), "submit(media)");
  EXPECT_NULL_ARG(ozi_engine_submit(engine, &one, 1, NULL, NULL, &jobs[MAX_JOBS], error_out), "submit(callback)");
  ozi_media null_data = {.kind = OZI_MEDIA_KIND_BYTES, .data = NULL, .len = 4};
  EXPECT_NULL_ARG(ozi_engine_submit(engine, &null_data, 1, NULL, on_done, &jobs[MAX_JOBS], error_out),
                  "submit(media[0].data)");
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_submit(engine, &one, 1, "{\"request_id\":\"a b\"}", on_done, &jobs[MAX_JOBS], &err);
  expect_error(s, err, OZI_STATUS_INVALID_INPUT, "submit with a bad request id");

  int calls = wait_for(&t, accepted);
  CHECK(calls == accepted, "%d callbacks for %d accepted submissions", calls, accepted);
  pthread_mutex_lock(&t.lock);
  CHECK(t.ok_with_id == accepted && t.errors == 0, "callbacks: %d ok with id, %d errors", t.ok_with_id, t.errors);
  pthread_mutex_unlock(&t.lock);

  char *stats = NULL;
  CHECK(ozi_engine_stats(engine, &stats, NULL) == OZI_STATUS_OK && strstr(stats, "\"busy_rejections\":1") != NULL,
        "stats after busy: %s", stats ? stats : "(null)");
  ozi_string_free(stats);

  /* ozi_engine_free does not cancel an accepted submission: its callback still runs. */
  s = ozi_engine_submit(engine, &one, 1, "{\"request_id\":\"sub-12\"}", on_done, &jobs[MAX_JOBS], NULL);
  CHECK(s == OZI_STATUS_OK, "last submit: %d", (int)s);
  ozi_engine_free(engine);
  if (s == OZI_STATUS_OK) {
    calls = wait_for(&t, accepted + 1);
    CHECK(calls == accepted + 1, "callback after ozi_engine_free: %d of %d", calls, accepted + 1);
    pthread_mutex_lock(&t.lock);
    CHECK(t.ok_with_id == accepted + 1, "callback after free carried its result");
    pthread_mutex_unlock(&t.lock);
  }
  /* No callback for refused submissions arrives late. */
  sleep_ms(200);
  pthread_mutex_lock(&t.lock);
  CHECK(t.calls == accepted + (s == OZI_STATUS_OK ? 1 : 0), "unexpected extra callbacks: %d", t.calls);
  pthread_mutex_unlock(&t.lock);

  free(content);
  pthread_cond_destroy(&t.cond);
  pthread_mutex_destroy(&t.lock);
}

/* --- decision settings: security levels, review bands, liveness models --- */

/* Analyses a sample by path with `options`; returns its JSON (free it) and fills `v`. */
static char *analyze_sample(const ozi_engine *engine, const char *name, const char *options, ozi_verdict *v) {
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_path(engine, sample(name), options, v, &json, &err);
  CHECK(s == OZI_STATUS_OK && json != NULL, "%s with %s: status %d: %s", name, options ? options : "NULL", (int)s,
        err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  return s == OZI_STATUS_OK ? json : NULL;
}

/* True when the first `"key":` of `json` (a media result's own `threshold` comes before the
 * quality checks' ones) holds `value`, written as in JSON and followed by `,` or `}`. */
static int first_is(const char *json, const char *key, const char *value) {
  const char *p = after_key(json, key);
  size_t n = strlen(value);
  return p != NULL && strncmp(p, value, n) == 0 && (p[n] == ',' || p[n] == '}');
}

/* The number of times `needle` occurs in `json`. */
static int occurrences(const char *json, const char *needle) {
  int n = 0;
  for (const char *p = json; p != NULL && (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

static const char *const T1 = "minivision_live_image_T1.jpg";
static const char *const F1 = "minivision_spoof_print_image_F1.jpg";

/* A review band covering every score turns every verdict into OPERATOR_REQUIRED. */
static void test_review_band(const ozi_engine *engine) {
  ozi_verdict v;
  /* Per call, on an engine without a band. */
  const char *names[] = {T1, F1};
  for (int i = 0; i < 2; i++) {
    char *json = analyze_sample(engine, names[i], "{\"review_band\": [0.0, 1.0]}", &v);
    if (json == NULL) continue;
    CHECK(v.resolution == OZI_RESOLUTION_OPERATOR_REQUIRED && v.reason == OZI_FAIL_REASON_NONE && v.has_score &&
              v.confidence_spoofing >= 0.0 && v.confidence_spoofing <= 1.0,
          "%s, per-call band: verdict %d/%d score %f", names[i], (int)v.resolution, (int)v.reason,
          v.confidence_spoofing);
    CHECK(has(json, "resolution", "\"OPERATOR_REQUIRED\"") && has(json, "reason", "null"),
          "%s: JSON resolution: %.300s", names[i], json);
    CHECK(strstr(json, "\"review_band\":[0.0,1.0]") != NULL, "%s: band not reported: %.400s", names[i], json);
    CHECK(first_is(json, "threshold", "0.5") && strstr(json, "\"security_level\"") == NULL,
          "%s: threshold / security level: %.400s", names[i], json);
    ozi_string_free(json);
  }
  /* The same engine without options: no band, the plain verdicts, no review_band key. */
  char *json = analyze_sample(engine, T1, NULL, &v);
  CHECK(json == NULL || (v.resolution == OZI_RESOLUTION_SUCCESS && strstr(json, "\"review_band\"") == NULL),
        "T1 without a band: %d %.300s", (int)v.resolution, json ? json : "");
  ozi_string_free(json);
  /* A band that does not hold the score leaves the verdict to the threshold. */
  json = analyze_sample(engine, F1, "{\"review_band\": [0.0, 0.0]}", &v);
  if (json != NULL && v.confidence_spoofing > 0.0) {
    CHECK(v.resolution == OZI_RESOLUTION_DECLINED && has(json, "resolution", "\"DECLINED\""),
          "F1 outside a [0, 0] band: %d", (int)v.resolution);
  }
  ozi_string_free(json);
  /* A one-point band at the media's own score holds it (inclusive bounds). */
  json = analyze_sample(engine, T1, NULL, &v);
  if (json != NULL && v.has_score) {
    char options[128];
    double score = number(json, "confidence_spoofing");
    snprintf(options, sizeof options, "{\"review_band\": [%.17g, %.17g]}", score, score);
    ozi_string_free(json);
    json = analyze_sample(engine, T1, options, &v);
    CHECK(json == NULL || v.resolution == OZI_RESOLUTION_OPERATOR_REQUIRED, "one-point band %s: %d", options,
          (int)v.resolution);
  }
  ozi_string_free(json);

  /* In the engine configuration: every call gets it, the request aggregates it. */
  ozi_engine *banded = new_engine("{\"threads\": 2, \"review_band\": [0, 1]}");
  CHECK(banded != NULL, "engine with a review band");
  if (banded == NULL) return;
  json = analyze_sample(banded, T1, NULL, &v);
  CHECK(json == NULL || (v.resolution == OZI_RESOLUTION_OPERATOR_REQUIRED && v.has_score &&
                         has(json, "resolution", "\"OPERATOR_REQUIRED\"") &&
                         strstr(json, "\"review_band\":[0.0,1.0]") != NULL),
        "engine band, T1: %d %.400s", (int)v.resolution, json ? json : "");
  ozi_string_free(json);
  /* A call's band replaces the engine's. */
  json = analyze_sample(banded, F1, "{\"review_band\": [0.0, 0.0]}", &v);
  CHECK(json == NULL || v.confidence_spoofing == 0.0 ||
            (v.resolution == OZI_RESOLUTION_DECLINED && strstr(json, "\"review_band\":[0.0,0.0]") != NULL),
        "call band over engine band, F1: %d", (int)v.resolution);
  ozi_string_free(json);
  /* Face failures stay FAILED: the band applies to scores only. */
  json = analyze_sample(banded, "group_three_faces.jpg", NULL, &v);
  CHECK(json == NULL || (v.resolution == OZI_RESOLUTION_FAILED && v.reason == OZI_FAIL_REASON_MULTIPLE_FACES),
        "engine band, group photo: %d/%d", (int)v.resolution, (int)v.reason);
  ozi_string_free(json);

  /* Requests: OPERATOR_REQUIRED over SUCCESS, FAILED over OPERATOR_REQUIRED. */
  char live[4096], group[4096];
  snprintf(live, sizeof live, "%s", sample(T1));
  snprintf(group, sizeof group, "%s", sample("group_three_faces.jpg"));
  ozi_media media[2] = {
      {.kind = OZI_MEDIA_KIND_PATH, .path = live},
      {.kind = OZI_MEDIA_KIND_PATH, .path = group},
  };
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(banded, media, 1, "{\"request_id\":\"band-1\"}", &json, &err);
  CHECK(s == OZI_STATUS_OK && strstr(json, "\"request_id\":\"band-1\",\"resolution\":\"OPERATOR_REQUIRED\"") != NULL,
        "request of one banded media: %d %.300s", (int)s, json ? json : (err ? ozi_error_message(err) : ""));
  ozi_string_free(json);
  ozi_error_free(err);
  err = NULL;
  s = ozi_engine_analyze_request(banded, media, 2, "{\"request_id\":\"band-2\"}", &json, &err);
  CHECK(s == OZI_STATUS_OK && strstr(json, "\"request_id\":\"band-2\",\"resolution\":\"FAILED\"") != NULL &&
            has(entry(json, 0), "resolution", "\"OPERATOR_REQUIRED\""),
        "request banded + group: %d %.300s", (int)s, json ? json : (err ? ozi_error_message(err) : ""));
  ozi_string_free(json);
  ozi_error_free(err);

  /* Stats count the reviews. */
  char *stats = NULL;
  CHECK(ozi_engine_stats(banded, &stats, NULL) == OZI_STATUS_OK && has(stats, "operator_required", "3"),
        "stats of the banded engine: %s", stats ? stats : "(null)");
  ozi_string_free(stats);
  ozi_engine_free(banded);
}

/* Security levels: named thresholds, reported with the result; explicit thresholds win. The
 * levels' values are the core's to tune (docs/ACCURACY.md): only their order is checked. */
static void test_security_levels(const ozi_engine *engine) {
  static const char *const levels[] = {"low", "medium", "high"};
  double thresholds[3] = {-1.0, -1.0, -1.0};
  ozi_verdict v;
  double score = -1.0;
  for (size_t i = 0; i < 3; i++) {
    char options[64], value[32];
    snprintf(options, sizeof options, "{\"security_level\": \"%s\"}", levels[i]);
    snprintf(value, sizeof value, "\"%s\"", levels[i]);
    char *json = analyze_sample(engine, F1, options, &v);
    if (json == NULL) continue;
    /* The media's own threshold is the first "threshold" key (the quality checks' come later). */
    thresholds[i] = number(json, "threshold");
    CHECK(has(json, "security_level", value) && thresholds[i] > 0.0 && thresholds[i] < 1.0,
          "%s: level and threshold not reported: %.400s", options, json);
    ozi_resolution expected =
        v.confidence_spoofing >= thresholds[i] ? OZI_RESOLUTION_DECLINED : OZI_RESOLUTION_SUCCESS;
    CHECK(v.has_score && v.resolution == expected, "%s: verdict %d for score %f (threshold %f)", options,
          (int)v.resolution, v.confidence_spoofing, thresholds[i]);
    CHECK(score < 0 || score == v.confidence_spoofing, "the level changed the score: %f vs %f", score,
          v.confidence_spoofing);
    score = v.confidence_spoofing;
    ozi_string_free(json);
  }
  /* A higher level is stricter: a lower threshold. */
  CHECK(thresholds[0] > thresholds[1] && thresholds[1] > thresholds[2], "level thresholds low %f, medium %f, high %f",
        thresholds[0], thresholds[1], thresholds[2]);
  const double low = thresholds[0], high_t = thresholds[2];

  /* An explicit threshold in the same call wins, and no level is reported. */
  char *json = analyze_sample(engine, F1, "{\"security_level\": \"high\", \"threshold\": 0.999}", &v);
  CHECK(json == NULL || (first_is(json, "threshold", "0.999") && strstr(json, "\"security_level\"") == NULL &&
                         v.resolution == OZI_RESOLUTION_SUCCESS),
        "threshold over level: %d %.300s", (int)v.resolution, json ? json : "");
  ozi_string_free(json);

  /* In the engine configuration. */
  ozi_engine *high = new_engine("{\"threads\": 2, \"security_level\": \"high\"}");
  CHECK(high != NULL, "engine with security level high");
  if (high == NULL) return;
  json = analyze_sample(high, T1, NULL, &v);
  CHECK(json == NULL || (has(json, "security_level", "\"high\"") && number(json, "threshold") == high_t),
        "engine level high (threshold %f): %.400s", high_t, json ? json : "");
  ozi_string_free(json);
  /* A call's threshold beats the engine's level; a call's level beats it too. */
  json = analyze_sample(high, T1, "{\"threshold\": 0.6}", &v);
  CHECK(json == NULL || (first_is(json, "threshold", "0.6") && strstr(json, "\"security_level\"") == NULL),
        "call threshold over engine level: %.400s", json ? json : "");
  ozi_string_free(json);
  json = analyze_sample(high, T1, "{\"security_level\": \"low\"}", &v);
  CHECK(json == NULL || (has(json, "security_level", "\"low\"") && number(json, "threshold") == low),
        "call level over engine level (threshold %f): %.400s", low, json ? json : "");
  ozi_string_free(json);
  char *info = NULL;
  CHECK(ozi_engine_info(high, &info, NULL) == OZI_STATUS_OK && strstr(info, "\"security_level\":\"high\"") != NULL,
        "info shows the level: %.600s", info ? info : "(null)");
  ozi_string_free(info);
  ozi_engine_free(high);

  /* An explicit engine threshold wins over the engine's level. */
  ozi_engine *both = new_engine("{\"threads\": 1, \"security_level\": \"high\", \"threshold\": 0.55}");
  CHECK(both != NULL, "engine with a threshold and a level");
  if (both == NULL) return;
  json = analyze_sample(both, T1, NULL, &v);
  CHECK(json == NULL || (first_is(json, "threshold", "0.55") && strstr(json, "\"security_level\"") == NULL),
        "engine threshold over engine level: %.400s", json ? json : "");
  ozi_string_free(json);
  ozi_engine_free(both);
}

/* The liveness models: both opinions by default, MiniFASNet alone in the fast profile. */
static void test_liveness_models(const ozi_engine *engine) {
  ozi_verdict v;
  char *json = analyze_sample(engine, T1, NULL, &v);
  if (json != NULL) {
    const char *liveness = after_key(json, "liveness");
    CHECK(liveness != NULL && has(liveness, "fusion", "\"mean\""), "default fusion: %.600s", json);
    int models = occurrences(liveness, "\"crop_scale\":");
    CHECK(models == 3, "default engine: %d models", models);
    CHECK(strstr(liveness, "\"model\":\"minifasnet_v2\"") && strstr(liveness, "\"model\":\"minifasnet_v1se\"") &&
              strstr(liveness, "\"model\":\"suri_minifasv2se\""),
          "default models: %.800s", liveness);
    CHECK(has(liveness, "opinion", "\"minifasnet\"") && has(liveness, "opinion", "\"suri\"") &&
              occurrences(liveness, "\"models\":[\"") == 2,
          "default opinions: %.800s", liveness);
    ozi_string_free(json);
  }
  char *info = NULL;
  CHECK(ozi_engine_info(engine, &info, NULL) == OZI_STATUS_OK && strstr(info, "\"id\":\"suri_minifasv2se\"") != NULL,
        "default info lists suri: %.300s", info ? info : "(null)");
  ozi_string_free(info);

  ozi_engine *fast = new_engine("{\"threads\": 1, \"liveness\": {\"models\": [\"minifasnet\"], \"fusion\": \"max\"}}");
  CHECK(fast != NULL, "fast-profile engine");
  if (fast == NULL) return;
  json = analyze_sample(fast, T1, NULL, &v);
  if (json != NULL) {
    const char *liveness = after_key(json, "liveness");
    CHECK(v.resolution == OZI_RESOLUTION_SUCCESS, "fast profile T1: %d", (int)v.resolution);
    CHECK(liveness != NULL && has(liveness, "fusion", "\"max\"") && occurrences(liveness, "\"crop_scale\":") == 2 &&
              occurrences(liveness, "\"models\":[\"") == 1 && strstr(liveness, "suri") == NULL,
          "fast profile liveness: %.800s", json);
    ozi_string_free(json);
  }
  CHECK(ozi_engine_info(fast, &info, NULL) == OZI_STATUS_OK && strstr(info, "\"id\":\"minifasnet_v2\"") != NULL &&
            strstr(info, "\"id\":\"suri_minifasv2se\"") == NULL,
        "fast profile info: %.300s", info ? info : "(null)");
  ozi_string_free(info);
  ozi_engine_free(fast);
}

int main(int argc, char **argv) {
  parse_args(argc, argv, "--quick", &quick, NULL);
  test_static_functions();
  test_engine_new_errors();

  const char *config = quick ? "{\"threads\": 1, \"max_in_flight\": 2}" : "{\"threads\": 2, \"max_in_flight\": 2}";
  ozi_engine *engine = new_engine(config);
  CHECK(engine != NULL, "engine_new(%s): status OK, an engine, no error object", config);
  if (engine != NULL) {
    test_info_stats_warm_up(engine);
    test_verdicts(engine);
    test_bytes(engine);
    test_pixels(engine);
    test_request(engine);
    if (!quick) {
      test_review_band(engine);
      test_security_levels(engine);
      test_liveness_models(engine);
    }
    test_submit(engine); /* frees the engine */
  }

  return test_summary("test_api");
}
