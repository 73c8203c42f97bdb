/* Videos, shot sets and raw frames through the C API.
 *
 *   - every clip of samples/video/ through ozi_engine_analyze_path and ozi_engine_analyze_bytes:
 *     the expected verdict (quality gate on and off), a `"kind":"video"` sequence with its codec,
 *     container and rotation, `video_frames` changing `sampled`, out-of-range `video_frames`
 *     refused; the unsupported codecs fail with OZI_STATUS_UNSUPPORTED_CODEC alone and are
 *     FAILED/INPUT_ERROR entries (`unsupported_codec`) in a request;
 *   - the shot sets of samples/shotsets/ by path and as bytes (live: SUCCESS, print: DECLINED), a
 *     truncated ZIP (decode_failed) and an empty one (archive_rejected);
 *   - OZI_MEDIA_KIND_FRAMES: three frames of a real photo in three layouts (packed RGB, padded
 *     BGR, mirrored RGBA) give a `"kind":"frames"` sequence and SUCCESS, through
 *     ozi_engine_analyze_request and ozi_engine_submit (whose frame buffers are freed as soon
 *     as it returns: they must have been copied); malformed FRAMES media (no frame, too many,
 *     NULL array, nested FRAMES, frames of another kind, NULL data, unknown format) are refused
 *     with their status and never read out of bounds;
 *   - biometry across kinds: the MiniVision live photo against the clip made from it (and the
 *     shot set made from it): same person.
 *
 * The frames come from a PPM (binary P6) of samples/skimage_live_astronaut.png, which
 * scripts/test-c.sh writes with ffi/tests/c/png2ppm.py (Python standard library only).
 *
 * Usage: test_video [--quick] [SAMPLES_DIR] [FRAMES_PPM]   (defaults: samples, none). Without
 * FRAMES_PPM the real-frames checks fail. Run from the repository root.
 *
 * --quick (under valgrind, where one frame takes 20 to 30 s): one clip sampled at one frame,
 * small synthetic frames, and every refusal path; no verdict on real frames.
 *
 * Prints one line per failed check and "test_video: N passed, M failed"; exits 1 on any
 * failure. */
#define _POSIX_C_SOURCE 200809L

#include "test_common.h"

static ozi_engine *engine = NULL;

static const char *resolution_name(ozi_resolution r) {
  return r == OZI_RESOLUTION_SUCCESS ? "SUCCESS" : r == OZI_RESOLUTION_DECLINED ? "DECLINED" : "FAILED";
}

/* --- clips ---------------------------------------------------------------------------------- */

typedef struct {
  const char *file;
  ozi_resolution resolution; /* quality gate on */
  ozi_fail_reason reason;
  ozi_resolution without_gate; /* {"quality_gate": false} */
  const char *codec;
  const char *container;
  int rotation;
} clip;

static const clip clips[] = {
    {"h264_high_bframes.mp4", OZI_RESOLUTION_SUCCESS, OZI_FAIL_REASON_NONE, OZI_RESOLUTION_SUCCESS, "h264", "mp4", 0},
    {"h264_fragmented.mp4", OZI_RESOLUTION_SUCCESS, OZI_FAIL_REASON_NONE, OZI_RESOLUTION_SUCCESS, "h264", "mp4", 0},
    {"hevc_main_rot90.mov", OZI_RESOLUTION_SUCCESS, OZI_FAIL_REASON_NONE, OZI_RESOLUTION_SUCCESS, "hevc", "mp4", 90},
    {"hevc_main10.mp4", OZI_RESOLUTION_DECLINED, OZI_FAIL_REASON_NONE, OZI_RESOLUTION_DECLINED, "hevc", "mp4", 0},
    {"vp9.webm", OZI_RESOLUTION_FAILED, OZI_FAIL_REASON_LOW_QUALITY, OZI_RESOLUTION_DECLINED, "vp9", "matroska", 0},
    {"h264_aac_rot90.mov", OZI_RESOLUTION_FAILED, OZI_FAIL_REASON_LOW_QUALITY, OZI_RESOLUTION_DECLINED, "h264",
     "mp4", 90},
};

/* One single-media call on a clip (by path or as bytes); returns the JSON (free it) or NULL. */
static char *analyze_clip(const char *file, int by_path, const char *options, ozi_verdict *v, ozi_status *status) {
  char *json = NULL;
  ozi_error *err = NULL;
  char path[4096];
  if (strncmp(file, "unsupported_", 12) == 0) {
    /* Test data kept out of samples/ (the demo over it has no error). */
    snprintf(path, sizeof path, "%s/../core/tests/data/unsupported/%s", samples, file);
  } else {
    snprintf(path, sizeof path, "%s/video/%s", samples, file);
  }
  if (by_path) {
    *status = ozi_engine_analyze_path(engine, path, options, v, &json, &err);
  } else {
    size_t len = 0;
    unsigned char *data = read_file(path, &len);
    CHECK(data != NULL, "cannot read %s", path);
    if (data == NULL) return NULL;
    *status = ozi_engine_analyze_bytes(engine, data, len, options, v, &json, &err);
    free(data);
  }
  if (*status != OZI_STATUS_OK && err != NULL) {
    CHECK(ozi_error_code(err) == *status, "%s: error code matches the status", file);
  }
  ozi_error_free(err);
  return json;
}

static void test_clips(void) {
  for (size_t i = 0; i < sizeof clips / sizeof clips[0]; i++) {
    const clip *c = &clips[i];
    for (int by_path = 1; by_path >= 0; by_path--) {
      const char *how = by_path ? "path" : "bytes";
      ozi_verdict v;
      ozi_status s;
      char *json = analyze_clip(c->file, by_path, NULL, &v, &s);
      CHECK(s == OZI_STATUS_OK && json != NULL, "%s (%s): status %s", c->file, how, ozi_status_name((uint32_t)s));
      if (json == NULL) continue;
      CHECK(v.resolution == c->resolution && v.reason == c->reason, "%s (%s): %s/%d, expected %s/%d (spoof %.3f)",
            c->file, how, resolution_name(v.resolution), (int)v.reason, resolution_name(c->resolution),
            (int)c->reason, v.confidence_spoofing);
      const char *seq = after_key(json, "sequence");
      CHECK(seq != NULL && strncmp(seq, "{\"kind\":\"video\"", 15) == 0, "%s (%s): video sequence: %.200s", c->file,
            how, seq ? seq : json);
      char value[32];
      snprintf(value, sizeof value, "\"%s\"", c->codec);
      CHECK(has(seq, "codec", value), "%s: codec %s", c->file, c->codec);
      snprintf(value, sizeof value, "\"%s\"", c->container);
      CHECK(has(seq, "container", value), "%s: container %s", c->file, c->container);
      snprintf(value, sizeof value, "%d", c->rotation);
      CHECK(has(seq, "rotation", value), "%s: rotation %d", c->file, c->rotation);
      CHECK(has(seq, "sampled", "8") && has(seq, "total_frames", "30"), "%s: 8 of 30 frames sampled", c->file);
      CHECK(has(seq, "aggregation", "\"median_confidence_spoofing\""), "%s: aggregation rule", c->file);
      if (c->resolution != OZI_RESOLUTION_FAILED) {
        CHECK(v.has_score && number(json, "confidence_spoofing") == v.confidence_spoofing,
              "%s: verdict score is the JSON's", c->file);
        CHECK(seq != NULL && after_key(seq, "best_shot") != NULL && strncmp(after_key(seq, "best_shot"), "null", 4),
              "%s: best shot", c->file);
      }
      if (by_path) {
        char source[4200];
        snprintf(source, sizeof source, "\"source\":\"%s/video/%s\"", samples, c->file);
        CHECK(strstr(json, source) != NULL, "%s: path reported as source", c->file);
      }
      ozi_string_free(json);
    }
    if (c->without_gate != c->resolution) {
      ozi_verdict v;
      ozi_status s;
      char *json = analyze_clip(c->file, 0, "{\"quality_gate\":false}", &v, &s);
      CHECK(s == OZI_STATUS_OK && v.resolution == c->without_gate, "%s without quality gate: %s %s (spoof %.3f)",
            c->file, ozi_status_name((uint32_t)s), resolution_name(v.resolution), v.confidence_spoofing);
      ozi_string_free(json);
    }
  }

  /* video_frames changes how many frames are sampled; out of range is invalid input. */
  ozi_verdict v;
  ozi_status s;
  char *json = analyze_clip("h264_high_bframes.mp4", 0, "{\"video_frames\":3}", &v, &s);
  const char *seq = after_key(json, "sequence");
  CHECK(s == OZI_STATUS_OK && has(seq, "sampled", "3") && v.resolution == OZI_RESOLUTION_SUCCESS,
        "video_frames 3: %.300s", seq ? seq : "(no sequence)");
  CHECK(has(seq, "index", "0") && has(seq, "index", "29"), "3 frames: first and last included");
  ozi_string_free(json);
  json = analyze_clip("h264_high_bframes.mp4", 1, "{\"video_frames\":12}", &v, &s);
  CHECK(s == OZI_STATUS_OK && has(after_key(json, "sequence"), "sampled", "12"), "video_frames 12");
  ozi_string_free(json);
  const char *bad[] = {"{\"video_frames\":0}", "{\"video_frames\":65}", "{\"video_frames\":-1}",
                       "{\"video_frames\":\"8\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json = analyze_clip("h264_high_bframes.mp4", 0, bad[i], &v, &s);
    CHECK(s == OZI_STATUS_INVALID_INPUT && json == NULL && v.resolution == OZI_RESOLUTION_FAILED,
          "%s: %s", bad[i], ozi_status_name((uint32_t)s));
    ozi_string_free(json);
  }
}

/* Unsupported codecs: an error alone, a FAILED/INPUT_ERROR entry in a request. */
static void test_unsupported(void) {
  const char *files[] = {"unsupported_vp8.webm", "unsupported_mpeg4.mp4"};
  for (int i = 0; i < 2; i++) {
    for (int by_path = 0; by_path < 2; by_path++) {
      ozi_verdict v;
      ozi_status s;
      char *json = analyze_clip(files[i], by_path, NULL, &v, &s);
      CHECK(s == OZI_STATUS_UNSUPPORTED_CODEC && json == NULL && v.resolution == OZI_RESOLUTION_FAILED &&
                !v.has_score,
            "%s (%s): %s", files[i], by_path ? "path" : "bytes", ozi_status_name((uint32_t)s));
      ozi_string_free(json);
    }
  }
  char vp8[4096], live[4096];
  snprintf(vp8, sizeof vp8, "%s/../core/tests/data/unsupported/unsupported_vp8.webm", samples);
  snprintf(live, sizeof live, "%s", sample("minivision_live_image_T1.jpg"));
  ozi_media media[2] = {{.kind = OZI_MEDIA_KIND_PATH, .path = live}, {.kind = OZI_MEDIA_KIND_PATH, .path = vp8}};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, 2, NULL, &json, &err);
  CHECK(s == OZI_STATUS_OK, "request with a VP8 clip: %s", err ? ozi_error_message(err) : "");
  const char *e1 = entry(json, 1);
  CHECK(e1 != NULL && has(e1, "resolution", "\"FAILED\"") && has(e1, "reason", "\"INPUT_ERROR\"") &&
            strstr(e1, "\"code\":\"unsupported_codec\",\"number\":15") != NULL,
        "VP8 entry: %.400s", e1 ? e1 : "(none)");
  const char *e0 = entry(json, 0);
  CHECK(e0 != NULL && strncmp(after_key(e0, "resolution") ? after_key(e0, "resolution") : "", "\"SUCCESS\"", 9) == 0,
        "the photo next to it is still analysed");
  ozi_string_free(json);
  ozi_error_free(err);
}

/* --- shot sets ------------------------------------------------------------------------------ */

static void test_shot_sets(int quick) {
  if (!quick) {
    /* The print's shot set: two of its frames fail the yaw check, too few usable frames with
     * the quality gate on (like the print clips); DECLINED with the gate off. */
    const char *files[] = {"live_minivision.zip", "spoof_print_minivision.zip"};
    const ozi_resolution want[] = {OZI_RESOLUTION_SUCCESS, OZI_RESOLUTION_FAILED};
    const ozi_fail_reason want_reason[] = {OZI_FAIL_REASON_NONE, OZI_FAIL_REASON_LOW_QUALITY};
    const ozi_resolution without_gate[] = {OZI_RESOLUTION_SUCCESS, OZI_RESOLUTION_DECLINED};
    for (int i = 0; i < 2; i++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/shotsets/%s", samples, files[i]);
      size_t len = 0;
      unsigned char *zip = read_file(path, &len);
      CHECK(zip != NULL, "cannot read %s", path);
      for (int by_path = 1; zip != NULL && by_path >= 0; by_path--) {
        char *json = NULL;
        ozi_error *err = NULL;
        ozi_verdict v;
        ozi_status s = by_path ? ozi_engine_analyze_path(engine, path, NULL, &v, &json, &err)
                               : ozi_engine_analyze_bytes(engine, zip, len, NULL, &v, &json, &err);
        const char *seq = after_key(json, "sequence");
        CHECK(s == OZI_STATUS_OK && v.resolution == want[i] && v.reason == want_reason[i],
              "%s (%s): %s %s (spoof %.3f) %s", files[i],
              by_path ? "path" : "bytes", ozi_status_name((uint32_t)s), resolution_name(v.resolution),
              v.confidence_spoofing, err ? ozi_error_message(err) : "");
        CHECK(seq != NULL && strncmp(seq, "{\"kind\":\"shot_set\"", 18) == 0 && has(seq, "total_frames", "4") &&
                  has(seq, "sampled", "4") && has(seq, "video", "null") && has(seq, "name", "\"frame_01.jpg\""),
              "%s: shot set sequence: %.300s", files[i], seq ? seq : "(none)");
        CHECK(has(json, "format", "\"zip\""), "%s: format zip", files[i]);
        ozi_string_free(json);
        ozi_error_free(err);
      }
      if (zip != NULL) {
        char *json = NULL;
        ozi_verdict v;
        ozi_status s = ozi_engine_analyze_bytes(engine, zip, len, "{\"quality_gate\":false}", &v, &json, NULL);
        CHECK(s == OZI_STATUS_OK && v.resolution == without_gate[i], "%s without quality gate: %s (spoof %.3f)",
              files[i], resolution_name(v.resolution), v.confidence_spoofing);
        ozi_string_free(json);
      }
      free(zip);
    }
  }
  /* A ZIP cut short (no central directory): decode_failed, alone and in a request. */
  size_t len = 0;
  unsigned char *zip = read_file(sample("shotsets/live_minivision.zip"), &len);
  CHECK(zip != NULL && len > 1000, "cannot read the live shot set");
  if (zip != NULL) {
    char *json = NULL;
    ozi_error *err = NULL;
    ozi_verdict v;
    ozi_status s = ozi_engine_analyze_bytes(engine, zip, len / 2, NULL, &v, &json, &err);
    CHECK(s == OZI_STATUS_DECODE_FAILED && json == NULL && strcmp(ozi_error_name(err), "decode_failed") == 0,
          "truncated ZIP: %s (%s)", ozi_status_name((uint32_t)s), err ? ozi_error_message(err) : "");
    ozi_error_free(err);
    ozi_media m = {.kind = OZI_MEDIA_KIND_BYTES, .data = zip, .len = len / 2, .label = "cut.zip"};
    s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
    const char *e0 = entry(json, 0);
    CHECK(s == OZI_STATUS_OK && e0 != NULL && has(e0, "reason", "\"INPUT_ERROR\"") &&
              strstr(e0, "\"code\":\"decode_failed\",\"number\":3") != NULL,
          "truncated ZIP in a request: %.300s", e0 ? e0 : "(none)");
    ozi_string_free(json);
    ozi_error_free(err);
    free(zip);
  }
  /* An empty archive (only the end-of-central-directory record): no image entry, refused. */
  unsigned char empty[22] = {'P', 'K', 5, 6};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_bytes(engine, empty, sizeof empty, NULL, NULL, &json, &err);
  CHECK(s == OZI_STATUS_ARCHIVE_REJECTED && s == 18 && json == NULL &&
            strcmp(ozi_error_name(err), "archive_rejected") == 0,
        "empty ZIP: %s (%s)", ozi_status_name((uint32_t)s), err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  CHECK(strcmp(ozi_status_name(OZI_STATUS_ARCHIVE_REJECTED), "archive_rejected") == 0, "status name 18");
}

/* --- raw frames ----------------------------------------------------------------------------- */

typedef struct {
  unsigned char *rgb; /* packed RGB, width * 3 bytes per row */
  uint32_t width, height;
} image;

/* Reads a binary PPM (P6, maxval 255) as written by png2ppm.py. */
static int read_ppm(const char *path, image *img) {
  size_t len = 0;
  unsigned char *data = read_file(path, &len);
  if (data == NULL) return 0;
  unsigned w = 0, h = 0, max = 0;
  int header = 0;
  int ok = len > 2 && sscanf((const char *)data, "P6 %u %u %u%n", &w, &h, &max, &header) == 3 && max == 255 &&
           w > 0 && h > 0 && (size_t)header + 1 + (size_t)w * h * 3 == len;
  if (ok) {
    img->width = w;
    img->height = h;
    img->rgb = malloc((size_t)w * h * 3);
    ok = img->rgb != NULL;
    if (ok) memcpy(img->rgb, data + header + 1, (size_t)w * h * 3);
  }
  free(data);
  return ok;
}

/* Three layouts of one photo: packed RGB; BGR with 13 bytes of padding per row; RGBA mirrored
 * left to right (a real face, so every frame is usable). Buffers are malloc'd: free them. */
typedef struct {
  unsigned char *buf[3];
  ozi_media frames[3];
} frame_set;

static int make_frames(const image *img, frame_set *set) {
  uint32_t w = img->width, h = img->height;
  size_t bgr_stride = (size_t)w * 3 + 13;
  set->buf[0] = malloc((size_t)w * h * 3);
  set->buf[1] = malloc(bgr_stride * h);
  set->buf[2] = malloc((size_t)w * h * 4);
  if (!set->buf[0] || !set->buf[1] || !set->buf[2]) return 0;
  memcpy(set->buf[0], img->rgb, (size_t)w * h * 3);
  memset(set->buf[1], 0xAB, bgr_stride * h);
  for (uint32_t y = 0; y < h; y++) {
    for (uint32_t x = 0; x < w; x++) {
      const unsigned char *p = img->rgb + ((size_t)y * w + x) * 3;
      unsigned char *b = set->buf[1] + y * bgr_stride + (size_t)x * 3;
      b[0] = p[2], b[1] = p[1], b[2] = p[0];
      unsigned char *m = set->buf[2] + ((size_t)y * w + (w - 1 - x)) * 4;
      m[0] = p[0], m[1] = p[1], m[2] = p[2], m[3] = 255;
    }
  }
  set->frames[0] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = set->buf[0], .len = (size_t)w * h * 3,
                               .format = OZI_PIXEL_FORMAT_RGB8, .width = w, .height = h, .label = "ignored"};
  set->frames[1] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = set->buf[1], .len = bgr_stride * h,
                               .format = OZI_PIXEL_FORMAT_BGR8, .width = w, .height = h, .stride = bgr_stride};
  set->frames[2] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = set->buf[2], .len = (size_t)w * h * 4,
                               .format = OZI_PIXEL_FORMAT_RGBA8, .width = w, .height = h};
  return 1;
}

static void free_frames(frame_set *set) {
  for (int i = 0; i < 3; i++) {
    free(set->buf[i]);
    set->buf[i] = NULL;
  }
}

/* Face-less synthetic frames (for --quick): 64x48 RGBA. */
static int make_synthetic_frames(frame_set *set) {
  for (int i = 0; i < 3; i++) {
    set->buf[i] = malloc(64 * 48 * 4);
    if (set->buf[i] == NULL) return 0;
    for (size_t k = 0; k < 64 * 48 * 4; k++) set->buf[i][k] = (unsigned char)((k * (7 + i)) % 251);
    set->frames[i] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = set->buf[i], .len = 64 * 48 * 4,
                                 .format = OZI_PIXEL_FORMAT_RGBA8, .width = 64, .height = 48};
  }
  return 1;
}

/* Callback of a submission that must have been refused. */
static int unexpected_callbacks = 0;
static void never_called(void *userdata, ozi_status status, char *json, ozi_error *error) {
  (void)userdata;
  (void)status;
  ozi_string_free(json);
  ozi_error_free(error);
  unexpected_callbacks++;
}

/* Submits `count` media, then frees every frame buffer of `set` and clears its frame array
 * before the callback can have run; returns the result JSON (free it) or NULL. */
static char *submit_and_free(ozi_media *media, size_t count, const char *options, frame_set *set) {
  waiter w;
  waiter_init(&w);
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_submit(engine, media, count, options, waiter_on_done, &w, &err);
  free_frames(set); /* copied by ozi_engine_submit */
  memset(set->frames, 0xEE, sizeof set->frames);
  CHECK(s == OZI_STATUS_OK, "submit: %s %s", ozi_status_name((uint32_t)s), err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  if (s != OZI_STATUS_OK) return NULL;
  int done = waiter_wait(&w, 900); /* valgrind is slow */
  CHECK(done == 1 && w.status == OZI_STATUS_OK && w.json != NULL, "submit callback: %d calls, %s", done,
        ozi_status_name((uint32_t)w.status));
  if (done == 0) exit(1); /* the callback may still write to `w` */
  waiter_destroy(&w);
  return w.json;
}

static void test_real_frames(const char *ppm) {
  image img = {NULL, 0, 0};
  int ok = ppm != NULL && read_ppm(ppm, &img);
  CHECK(ok, "cannot read the frames PPM %s (scripts/test-c.sh writes it with ffi/tests/c/png2ppm.py)",
        ppm ? ppm : "(not given)");
  if (!ok) return;
  frame_set set;
  memset(&set, 0, sizeof set);
  CHECK(make_frames(&img, &set), "malloc");
  ozi_media m = {.kind = OZI_MEDIA_KIND_FRAMES, .frames = set.frames, .frame_count = 3, .label = "astronaut-burst"};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, &m, 1, "{\"request_id\":\"frames-1\"}", &json, &err);
  CHECK(s == OZI_STATUS_OK, "frames request: %s", err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  const char *e0 = entry(json, 0);
  const char *seq = after_key(e0, "sequence");
  CHECK(e0 != NULL && has(e0, "resolution", "\"SUCCESS\"") && has(e0, "source", "\"astronaut-burst\""),
        "frames: SUCCESS with the FRAMES media's label: %.300s", e0 ? e0 : json ? json : "(none)");
  CHECK(seq != NULL && strncmp(seq, "{\"kind\":\"frames\"", 16) == 0 && has(seq, "total_frames", "3") &&
            has(seq, "sampled", "3") && has(seq, "usable", "3") && has(seq, "video", "null"),
        "frames sequence: %.400s", seq ? seq : "(none)");
  CHECK(has(e0, "format", "\"raw_frames\""), "frames: format raw_frames");
  CHECK(strstr(json ? json : "", "\"ignored\"") == NULL, "labels of the frames are not reported");
  /* The three layouts hold the same pixels (the third mirrored): the same face, close scores. */
  double score = number(e0, "confidence_spoofing");
  CHECK(score >= 0.0 && score < 0.5, "frames: confidence_spoofing %.4f", score);
  printf("frames (astronaut x3 layouts): SUCCESS, confidence_spoofing %.4f\n", score);
  ozi_string_free(json);

  /* The same through ozi_engine_submit, buffers freed at once; with video_frames 2 only two
   * of the three are analysed (first and last). */
  ozi_media both[2] = {m, {.kind = OZI_MEDIA_KIND_PATH, .path = sample("skimage_live_astronaut.png")}};
  json = submit_and_free(both, 2, "{\"video_frames\":2,\"analyses\":[\"quality\",\"biometry\"]}", &set);
  e0 = entry(json, 0);
  seq = after_key(e0, "sequence");
  CHECK(e0 != NULL && has(e0, "resolution", "\"SUCCESS\"") && seq != NULL && has(seq, "total_frames", "3") &&
            has(seq, "sampled", "2") && has(seq, "index", "0") && has(seq, "index", "2"),
        "submitted frames: %.400s", seq ? seq : json ? json : "(none)");
  const char *bio = after_key(json, "biometry");
  double similarity = number(bio, "min_similarity");
  CHECK(bio != NULL && has(bio, "resolution", "\"SUCCESS\"") && similarity > 0.9,
        "frames vs the photo they came from: similarity %.4f", similarity);
  printf("frames vs skimage_live_astronaut.png: min_similarity %.4f\n", similarity);
  ozi_string_free(json);
  free(img.rgb);
}

/* Malformed FRAMES media: refused before anything is analysed (and never read out of
 * bounds: `one` has a single element, so reading more would be caught by ASan/valgrind). */
static void test_frames_refused(void) {
  unsigned char px[64 * 48 * 3];
  memset(px, 7, sizeof px);
  ozi_media one[1] = {{.kind = OZI_MEDIA_KIND_PIXELS, .data = px, .len = sizeof px, .format = OZI_PIXEL_FORMAT_RGB8,
                       .width = 64, .height = 48}};
  ozi_media inner_frames = {.kind = OZI_MEDIA_KIND_FRAMES, .frames = one, .frame_count = 1};
  const char *path = sample("minivision_live_image_T1.jpg");
  ozi_media bytes_frame = {.kind = OZI_MEDIA_KIND_BYTES, .data = px, .len = sizeof px};
  ozi_media path_frame = {.kind = OZI_MEDIA_KIND_PATH, .path = path};
  ozi_media zero_frame;
  memset(&zero_frame, 0, sizeof zero_frame);
  ozi_media null_data = one[0];
  null_data.data = NULL;
  ozi_media bad_format = one[0];
  bad_format.format = 99;
  ozi_media kind_99 = one[0];
  kind_99.kind = 99;
  ozi_media pair[2][2] = {{one[0], inner_frames}, {one[0], null_data}};
  struct {
    const char *what;
    const ozi_media *frames;
    size_t count;
    ozi_status want;
  } cases[] = {
      {"no frame (count 0)", one, 0, OZI_STATUS_INVALID_INPUT},
      {"no frame (NULL, 0)", NULL, 0, OZI_STATUS_INVALID_INPUT},
      {"10001 frames", one, 10001, OZI_STATUS_INVALID_INPUT},
      {"SIZE_MAX frames", one, SIZE_MAX, OZI_STATUS_INVALID_INPUT},
      {"NULL frames, count 3", NULL, 3, OZI_STATUS_NULL_ARGUMENT},
      {"nested FRAMES", &inner_frames, 1, OZI_STATUS_INVALID_INPUT},
      {"nested FRAMES second", pair[0], 2, OZI_STATUS_INVALID_INPUT},
      {"BYTES frame", &bytes_frame, 1, OZI_STATUS_INVALID_INPUT},
      {"PATH frame", &path_frame, 1, OZI_STATUS_INVALID_INPUT},
      {"zeroed frame", &zero_frame, 1, OZI_STATUS_INVALID_INPUT},
      {"frame kind 99", &kind_99, 1, OZI_STATUS_INVALID_INPUT},
      {"frame with NULL data", pair[1], 2, OZI_STATUS_NULL_ARGUMENT},
      {"frame format 99", &bad_format, 1, OZI_STATUS_INVALID_INPUT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* The malformed media second, after a valid one: the whole call is refused. */
    ozi_media media[2] = {{.kind = OZI_MEDIA_KIND_FRAMES, .frames = one, .frame_count = 1},
                          {.kind = OZI_MEDIA_KIND_FRAMES, .frames = cases[i].frames, .frame_count = cases[i].count}};
    char *json = NULL;
    ozi_error *err = NULL;
    ozi_status s = ozi_engine_analyze_request(engine, media, 2, NULL, &json, &err);
    CHECK(s == cases[i].want && json == NULL && ozi_error_code(err) == cases[i].want &&
              strstr(ozi_error_message(err), "media[1]") != NULL,
          "%s (request): %s, expected %s (%s)", cases[i].what, ozi_status_name((uint32_t)s),
          ozi_status_name((uint32_t)cases[i].want), err ? ozi_error_message(err) : "");
    ozi_error_free(err);
    err = NULL;
    /* Submit: refused synchronously, the callback never runs. */
    s = ozi_engine_submit(engine, media, 2, NULL, never_called, NULL, &err);
    CHECK(s == cases[i].want && ozi_error_code(err) == cases[i].want, "%s (submit): %s", cases[i].what,
          ozi_status_name((uint32_t)s));
    ozi_error_free(err);
  }
  CHECK(unexpected_callbacks == 0, "a refused submission called back");
  /* Frames whose geometry lies are the engine's to judge, like PIXELS in a request: the call
   * succeeds and the media is FAILED/INPUT_ERROR (invalid_input). */
  ozi_media lying[2] = {one[0], one[0]};
  lying[0].len = 10;
  lying[1].stride = 1;
  ozi_media m = {.kind = OZI_MEDIA_KIND_FRAMES, .frames = lying, .frame_count = 2};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
  const char *e0 = entry(json, 0);
  CHECK(s == OZI_STATUS_OK && e0 != NULL && has(e0, "reason", "\"INPUT_ERROR\"") &&
            strstr(e0, "\"code\":\"invalid_input\"") != NULL,
        "frames with lying geometry: %s %.300s", ozi_status_name((uint32_t)s), e0 ? e0 : "(none)");
  ozi_string_free(json);
  ozi_error_free(err);
  /* Reading the struct: the new fields come last. */
  CHECK(offsetof(ozi_media, frames) > offsetof(ozi_media, label) &&
            offsetof(ozi_media, frame_count) > offsetof(ozi_media, frames),
        "frames and frame_count are the last fields");
}

/* Synthetic frames through submit (quick mode): copied, analysed, FAILED/NO_FACE. */
static void test_synthetic_frames(void) {
  frame_set set;
  memset(&set, 0, sizeof set);
  CHECK(make_synthetic_frames(&set), "malloc");
  ozi_media m = {.kind = OZI_MEDIA_KIND_FRAMES, .frames = set.frames, .frame_count = 3};
  char *json = submit_and_free(&m, 1, NULL, &set);
  const char *e0 = entry(json, 0);
  const char *seq = after_key(e0, "sequence");
  CHECK(e0 != NULL && has(e0, "reason", "\"NO_FACE\"") && seq != NULL &&
            strncmp(seq, "{\"kind\":\"frames\"", 16) == 0 && has(seq, "sampled", "3") && has(seq, "usable", "0") &&
            has(seq, "best_shot", "null"),
        "synthetic frames: %.400s", e0 ? e0 : json ? json : "(none)");
  ozi_string_free(json);
}

/* One short clip at one frame (quick mode). */
static void test_one_frame_clip(void) {
  ozi_verdict v;
  ozi_status s;
  char *json = analyze_clip("h264_high_bframes.mp4", 0, "{\"video_frames\":1}", &v, &s);
  const char *seq = after_key(json, "sequence");
  CHECK(s == OZI_STATUS_OK && v.resolution == OZI_RESOLUTION_SUCCESS && seq != NULL &&
            strncmp(seq, "{\"kind\":\"video\"", 15) == 0 && has(seq, "sampled", "1") && has(seq, "codec", "\"h264\""),
        "one frame of h264_high_bframes.mp4: %s %s %.300s", ozi_status_name((uint32_t)s),
        resolution_name(v.resolution), seq ? seq : "(none)");
  ozi_string_free(json);
  /* An unsupported codec is refused from its headers. */
  json = analyze_clip("unsupported_vp8.webm", 0, NULL, &v, &s);
  CHECK(s == OZI_STATUS_UNSUPPORTED_CODEC && json == NULL, "VP8: %s", ozi_status_name((uint32_t)s));
  ozi_string_free(json);
}

/* A photo, a clip and a shot set of one person (the clip and the shot set are made from the
 * photo): biometry compares the best shots; the similarity is printed. */
static void test_biometry_across_kinds(void) {
  char clip_path[4096], zip_path[4096], photo[4096];
  snprintf(photo, sizeof photo, "%s", sample("minivision_live_image_T1.jpg"));
  snprintf(clip_path, sizeof clip_path, "%s/video/h264_high_bframes.mp4", samples);
  snprintf(zip_path, sizeof zip_path, "%s/shotsets/live_minivision.zip", samples);
  size_t len = 0;
  unsigned char *clip_bytes = read_file(clip_path, &len);
  CHECK(clip_bytes != NULL, "cannot read %s", clip_path);
  if (clip_bytes == NULL) return;
  ozi_media media[3] = {{.kind = OZI_MEDIA_KIND_PATH, .path = photo},
                        {.kind = OZI_MEDIA_KIND_BYTES, .data = clip_bytes, .len = len, .label = "clip"},
                        {.kind = OZI_MEDIA_KIND_PATH, .path = zip_path}};
  const char *options = "{\"analyses\":[\"quality\",\"biometry\"]}";
  for (size_t count = 2; count <= 3; count++) {
    char *json = NULL;
    ozi_error *err = NULL;
    ozi_status s = ozi_engine_analyze_request(engine, media, count, options, &json, &err);
    CHECK(s == OZI_STATUS_OK, "photo + clip%s: %s", count == 3 ? " + shot set" : "",
          err ? ozi_error_message(err) : "");
    ozi_error_free(err);
    const char *bio = after_key(json, "biometry");
    double similarity = number(bio, "min_similarity");
    double threshold = number(bio, "threshold"); /* the default, 0.78; the pair is at 0.80 */
    CHECK(bio != NULL && has(bio, "resolution", "\"SUCCESS\"") && threshold > 0.0 && similarity >= threshold,
          "photo vs clip%s: min_similarity %.4f (threshold %.2f): %.300s", count == 3 ? " vs shot set" : "",
          similarity, threshold, bio ? bio : "(no biometry)");
    CHECK(entry(json, 1) != NULL && has(entry(json, 1), "kind", "\"video\""), "the clip is a video entry");
    CHECK(json != NULL && has(json, "resolution", "\"SUCCESS\""), "folder SUCCESS");
    if (count == 3) {
      CHECK(entry(json, 2) != NULL && has(entry(json, 2), "kind", "\"shot_set\""), "the ZIP is a shot set entry");
    }
    printf("biometry minivision_live_image_T1.jpg vs h264_high_bframes.mp4%s: min_similarity %.4f\n",
           count == 3 ? " vs live_minivision.zip" : "", similarity);
    ozi_string_free(json);
  }
  free(clip_bytes);
}

int main(int argc, char **argv) {
  int quick = 0;
  const char *ppm = NULL;
  parse_args(argc, argv, "--quick", &quick, &ppm);
  const char *config = quick ? "{\"threads\":1}" : "{\"threads\":2}";
  engine = new_engine(config);
  CHECK(engine != NULL, "engine_new(%s)", config);
  if (engine == NULL) return 1;

  test_frames_refused();
  test_shot_sets(quick);
  if (quick) {
    test_one_frame_clip();
    test_synthetic_frames();
  } else {
    test_clips();
    test_unsupported();
    test_real_frames(ppm);
    test_synthetic_frames();
    test_biometry_across_kinds();
  }

  ozi_engine_free(engine);
  return test_summary("test_video");
}
