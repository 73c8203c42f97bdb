/* Hostile input through the C door: every case gets its exact status code (or a FAILED
 * verdict), never a crash. Files are generated here: empty, random bytes, a JPEG truncated at
 * many offsets, decompression-bomb headers (JPEG SOF, PNG IHDR, GIF, BMP), zero-sized images,
 * raw pixels whose geometry lies, raw frames (OZI_MEDIA_KIND_FRAMES) whose geometry lies or
 * that are too many, a truncated video, media over the byte limit and a request over the media
 * limit. Peak resident memory while refusing the bombs is checked through /proc (VmHWM).
 *
 * Usage: test_hostile [--no-rss] [SAMPLES_DIR]   (default: samples). Run from the repository
 * root. --no-rss skips the resident-memory checks (under valgrind or AddressSanitizer, which
 * have their own heaps).
 * Prints failed checks and "test_hostile: N passed, M failed"; exits 1 on any failure. */
#define _POSIX_C_SOURCE 200809L

#include "test_common.h"

/* The limits of the engine under test (see main). */
#define MAX_BYTES (4u * 1024u * 1024u)
/* Peak resident growth allowed while a bomb is refused: the header costs nothing. */
#define BOMB_RSS_KIB (32u * 1024u)

static const ozi_engine *engine;
static int check_rss = 1;

static long status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long v = -1;
  size_t k = strlen(key);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, k) == 0) {
      v = strtol(line + k, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

static int reset_hwm(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f == NULL) return 0;
  int ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

/* Analyses `data` as bytes and checks the status (OZI_STATUS_OK: a FAILED verdict is expected,
 * with `reason`). */
static void expect_bytes(const unsigned char *data, size_t len, ozi_status want, ozi_fail_reason reason,
                         const char *what) {
  ozi_verdict v;
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_bytes(engine, data, len, NULL, &v, &json, &err);
  CHECK(s == want, "%s: status %s, expected %s (%s)", what, ozi_status_name((uint32_t)s),
        ozi_status_name((uint32_t)want), err ? ozi_error_message(err) : "");
  if (s == OZI_STATUS_OK) {
    CHECK(json != NULL && v.resolution == OZI_RESOLUTION_FAILED && v.reason == reason, "%s: verdict %d/%d", what,
          (int)v.resolution, (int)v.reason);
  } else {
    CHECK(json == NULL && err != NULL && ozi_error_code(err) == s, "%s: error object", what);
    CHECK(err == NULL || strstr(ozi_error_message(err), "panicked") == NULL, "%s: %s", what,
          ozi_error_message(err));
  }
  ozi_string_free(json);
  ozi_error_free(err);
}

static void put_be(unsigned char *p, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

static uint32_t crc32(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
  }
  return ~c;
}

/* Signature + IHDR (w x h, RGB8) + a tiny IDAT + IEND, valid CRCs. Returns the length. */
static size_t png_claiming(unsigned char *b, uint32_t w, uint32_t h) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  static const unsigned char idat[8] = {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
  size_t n = 0;
  memcpy(b, sig, 8);
  n = 8;
  put_be(b + n, 13, 4);
  memcpy(b + n + 4, "IHDR", 4);
  put_be(b + n + 8, w, 4);
  put_be(b + n + 12, h, 4);
  b[n + 16] = 8; /* bit depth */
  b[n + 17] = 2; /* RGB */
  b[n + 18] = b[n + 19] = b[n + 20] = 0;
  put_be(b + n + 21, crc32(b + n + 4, 17), 4);
  n += 25;
  put_be(b + n, 8, 4);
  memcpy(b + n + 4, "IDAT", 4);
  memcpy(b + n + 8, idat, 8);
  put_be(b + n + 16, crc32(b + n + 4, 12), 4);
  n += 20;
  put_be(b + n, 0, 4);
  memcpy(b + n + 4, "IEND", 4);
  put_be(b + n + 8, crc32(b + n + 4, 4), 4);
  return n + 12;
}

/* GIF89a whose screen and image announce w x h. */
static size_t gif_claiming(unsigned char *b, uint16_t w, uint16_t h) {
  static const unsigned char tail[] = {0x80, 0, 0, 0, 0, 0, 255, 255, 255};
  size_t n = 0;
  memcpy(b, "GIF89a", 6);
  n = 6;
  put_le(b + n, w, 2);
  put_le(b + n + 2, h, 2);
  memcpy(b + n + 4, tail, sizeof tail);
  n += 4 + sizeof tail;
  b[n++] = 0x2C;
  memset(b + n, 0, 4);
  put_le(b + n + 4, w, 2);
  put_le(b + n + 6, h, 2);
  b[n + 8] = 0;
  n += 9;
  static const unsigned char lzw[] = {2, 4, 0x84, 0x8F, 0xA9, 0xCB, 0, 0x3B};
  memcpy(b + n, lzw, sizeof lzw);
  return n + sizeof lzw;
}

/* 24-bit BMP header announcing w x h, with 64 bytes of pixels. */
static size_t bmp_claiming(unsigned char *b, int32_t w, int32_t h) {
  memset(b, 0, 54 + 64);
  put_bmp_header(b, (uint32_t)w, (uint32_t)h, 54 + 64, 0);
  memset(b + 54, 0x7F, 64);
  return 54 + 64;
}

static void test_empty_random_truncated(const unsigned char *jpeg, size_t jpeg_len) {
  unsigned char one = 0;
  expect_bytes(&one, 0, OZI_STATUS_INVALID_INPUT, OZI_FAIL_REASON_NONE, "empty");
  uint64_t x = 0x0BAD5EEDu;
  unsigned char *rnd = malloc(8192);
  for (int round = 0; round < 50; round++) {
    size_t n = 1 + (size_t)(round * 163) % 8192;
    for (size_t i = 0; i < n; i++) {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      rnd[i] = (unsigned char)((x * 0x2545F4914F6CDD1DULL) >> 56);
    }
    rnd[0] = 0x00; /* no image signature starts with 0x00 0x00 */
    rnd[1] = 0x00;
    expect_bytes(rnd, n, OZI_STATUS_UNSUPPORTED_FORMAT, OZI_FAIL_REASON_NONE, "random bytes");
  }
  free(rnd);
  /* A real photo cut at 60 offsets: after the 3-byte signature, every cut is a decode error. */
  for (size_t i = 1; i <= 60; i++) {
    size_t cut = jpeg_len * i / 61;
    char what[64];
    snprintf(what, sizeof what, "JPEG cut at %zu", cut);
    expect_bytes(jpeg, cut, cut < 3 ? OZI_STATUS_UNSUPPORTED_FORMAT : OZI_STATUS_DECODE_FAILED,
                 OZI_FAIL_REASON_NONE, what);
  }
}

static void test_bombs(const unsigned char *jpeg, size_t jpeg_len) {
  struct {
    const char *what;
    size_t len;
    unsigned char *data;
  } cases[6];
  int n = 0;
  unsigned char *j = malloc(jpeg_len);
  memcpy(j, jpeg, jpeg_len);
  for (size_t i = 2; i + 9 < jpeg_len; i++) {
    if (j[i] == 0xFF && (j[i + 1] == 0xC0 || j[i + 1] == 0xC2)) {
      put_be(j + i + 5, 65500, 2);
      put_be(j + i + 7, 65500, 2);
      break;
    }
  }
  cases[n].what = "JPEG SOF 65500x65500";
  cases[n].len = jpeg_len;
  cases[n++].data = j;
  unsigned char *p = malloc(256);
  cases[n].what = "PNG IHDR 100000x100000";
  cases[n].len = png_claiming(p, 100000, 100000);
  cases[n++].data = p;
  unsigned char *g = malloc(256);
  cases[n].what = "GIF 65535x65535";
  cases[n].len = gif_claiming(g, 65535, 65535);
  cases[n++].data = g;
  unsigned char *m = malloc(256);
  cases[n].what = "BMP 60000x60000";
  cases[n].len = bmp_claiming(m, 60000, 60000);
  cases[n++].data = m;
  for (int i = 0; i < n; i++) {
    int hwm = check_rss && reset_hwm();
    long before = status_kib("VmRSS:");
    expect_bytes(cases[i].data, cases[i].len, OZI_STATUS_IMAGE_TOO_LARGE, OZI_FAIL_REASON_NONE, cases[i].what);
    long peak = status_kib("VmHWM:");
    if (hwm && before > 0 && peak > 0) {
      CHECK(peak - before <= (long)BOMB_RSS_KIB, "%s: resident set grew by %ld KiB", cases[i].what, peak - before);
    }
    free(cases[i].data);
  }
  /* Zero-sized: a PNG and a GIF with a zero side are decode errors. */
  unsigned char z[256];
  expect_bytes(z, png_claiming(z, 0, 40), OZI_STATUS_DECODE_FAILED, OZI_FAIL_REASON_NONE, "PNG 0x40");
  expect_bytes(z, gif_claiming(z, 40, 0), OZI_STATUS_DECODE_FAILED, OZI_FAIL_REASON_NONE, "GIF 40x0");
}

static void expect_pixels(const unsigned char *data, size_t len, uint32_t format, uint32_t w, uint32_t h,
                          size_t stride, ozi_status want, const char *what) {
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_pixels(engine, data, len, format, w, h, stride, NULL, NULL, &json, &err);
  CHECK(s == want, "%s: status %s, expected %s (%s)", what, ozi_status_name((uint32_t)s),
        ozi_status_name((uint32_t)want), err ? ozi_error_message(err) : "");
  ozi_string_free(json);
  ozi_error_free(err);
}

static void test_lying_pixels(void) {
  const uint32_t w = 64, h = 48;
  const size_t row = w * 3, len = row * h;
  unsigned char *px = malloc(len);
  memset(px, 100, len);
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGB8, w, h, row - 1, OZI_STATUS_INVALID_INPUT, "stride under a row");
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGB8, w, h, row + 1, OZI_STATUS_INVALID_INPUT, "stride past the data");
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGB8, w, h + 1, 0, OZI_STATUS_INVALID_INPUT, "one row too many");
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGBA8, w, h, 0, OZI_STATUS_INVALID_INPUT, "RGB read as RGBA");
  expect_pixels(px, len - 1, OZI_PIXEL_FORMAT_BGR8, w, h, 0, OZI_STATUS_INVALID_INPUT, "one byte short");
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGB8, w, h, SIZE_MAX, OZI_STATUS_INVALID_INPUT, "stride SIZE_MAX");
  expect_pixels(px, len, OZI_PIXEL_FORMAT_RGB8, 0, h, 0, OZI_STATUS_INVALID_INPUT, "zero width");
  expect_pixels(px, len, 99, w, h, 0, OZI_STATUS_INVALID_INPUT, "unknown format");
  expect_pixels(px, 16, OZI_PIXEL_FORMAT_BGRA8, 100000, 100000, 0, OZI_STATUS_IMAGE_TOO_LARGE, "tiny buffer, huge frame");
  expect_pixels(px, 16, OZI_PIXEL_FORMAT_BGRA8, UINT32_MAX, UINT32_MAX, SIZE_MAX, OZI_STATUS_IMAGE_TOO_LARGE,
                "u32 max frame");
  /* Honest padding works. */
  char *json = NULL;
  ozi_verdict v;
  ozi_status s = ozi_engine_analyze_pixels(engine, px, len, OZI_PIXEL_FORMAT_RGB8, w - 1, h, row, NULL, &v, &json, NULL);
  CHECK(s == OZI_STATUS_OK && v.reason == OZI_FAIL_REASON_NO_FACE, "padded rows: %s", ozi_status_name((uint32_t)s));
  ozi_string_free(json);
  free(px);
}

/* OZI_MEDIA_KIND_FRAMES with the engine's default video.max_frames (1800): 1800 frames that all
 * claim a huge picture in a 16-byte buffer are copied, sampled, each refused from its geometry,
 * and the media is FAILED/INPUT_ERROR (image_too_large) while the call succeeds; 1801 and 10000
 * frames (the C door's bound) are FAILED/INPUT_ERROR entries with video_too_long; 10001 are
 * refused whole before the array is read; lying strides are invalid_input. */
static void test_lying_frames(void) {
  enum { ENGINE_MAX_FRAMES = 1800, DOOR_MAX_FRAMES = 10000 };
  unsigned char px[16] = {0};
  ozi_media *frames = calloc(DOOR_MAX_FRAMES + 1, sizeof *frames);
  CHECK(frames != NULL, "calloc");
  if (frames == NULL) return;
  for (int i = 0; i <= DOOR_MAX_FRAMES; i++) {
    frames[i] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = px, .len = sizeof px,
                            .format = OZI_PIXEL_FORMAT_BGRA8, .width = 100000, .height = 100000};
  }
  ozi_media m = {.kind = OZI_MEDIA_KIND_FRAMES, .frames = frames, .frame_count = ENGINE_MAX_FRAMES};
  long before = status_kib("VmHWM:");
  int hwm = check_rss && reset_hwm();
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
  CHECK(s == OZI_STATUS_OK && json != NULL && strstr(json, "\"INPUT_ERROR\"") != NULL &&
            strstr(json, "\"image_too_large\"") != NULL && strstr(json, "\"total_frames\":1800") != NULL,
        "1800 huge frames: %s %.300s", ozi_status_name((uint32_t)s), json ? json : (err ? ozi_error_message(err) : ""));
  if (hwm) {
    long grown = status_kib("VmHWM:") - before;
    CHECK(grown < (long)BOMB_RSS_KIB, "1800 huge frames: peak resident memory grew %ld KiB", grown);
  }
  ozi_string_free(json);
  ozi_error_free(err);
  const size_t too_many[] = {ENGINE_MAX_FRAMES + 1, DOOR_MAX_FRAMES};
  for (int i = 0; i < 2; i++) {
    json = NULL;
    err = NULL;
    m.frame_count = too_many[i];
    s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
    CHECK(s == OZI_STATUS_OK && json != NULL && strstr(json, "\"INPUT_ERROR\"") != NULL &&
              strstr(json, "\"code\":\"video_too_long\",\"number\":17") != NULL,
          "%zu frames: %s %.300s", too_many[i], ozi_status_name((uint32_t)s),
          json ? json : (err ? ozi_error_message(err) : ""));
    ozi_string_free(json);
    ozi_error_free(err);
  }
  json = NULL;
  err = NULL;
  m.frame_count = DOOR_MAX_FRAMES + 1;
  s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
  CHECK(s == OZI_STATUS_INVALID_INPUT && json == NULL, "10001 frames: %s", ozi_status_name((uint32_t)s));
  ozi_error_free(err);
  err = NULL;
  /* Strides that lie, a zero height, a buffer one byte short. */
  unsigned char *rgb = malloc(64 * 48 * 3);
  CHECK(rgb != NULL, "malloc");
  if (rgb != NULL) {
    memset(rgb, 100, 64 * 48 * 3);
    ozi_media lying[4];
    for (int i = 0; i < 4; i++) {
      lying[i] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = rgb, .len = 64 * 48 * 3,
                             .format = OZI_PIXEL_FORMAT_RGB8, .width = 64, .height = 48};
    }
    lying[0].stride = 64 * 3 - 1;
    lying[1].stride = SIZE_MAX;
    lying[2].height = 0;
    lying[3].len -= 1;
    m = (ozi_media){.kind = OZI_MEDIA_KIND_FRAMES, .frames = lying, .frame_count = 4};
    s = ozi_engine_analyze_request(engine, &m, 1, NULL, &json, &err);
    CHECK(s == OZI_STATUS_OK && json != NULL && strstr(json, "\"INPUT_ERROR\"") != NULL &&
              strstr(json, "\"invalid_input\"") != NULL && strstr(json, "\"usable\":0") != NULL,
          "frames with lying geometry: %s %.300s", ozi_status_name((uint32_t)s), json ? json : "");
    ozi_string_free(json);
    ozi_error_free(err);
    free(rgb);
  }
  free(frames);
}

/* A clip cut at several offsets: too short to be recognised (unsupported_format), then a
 * container that cannot be read (decode_failed), never a crash. */
static void test_truncated_video(void) {
  const char *path = sample("video/h264_high_bframes.mp4");
  size_t len = 0;
  unsigned char *mp4 = read_file(path, &len);
  CHECK(mp4 != NULL, "cannot read %s", path);
  if (mp4 == NULL) return;
  const size_t cuts[] = {8, 12, 40, 200, 1000, 4000};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0] && cuts[i] < len; i++) {
    char *json = NULL;
    ozi_error *err = NULL;
    ozi_status want = cuts[i] < 12 ? OZI_STATUS_UNSUPPORTED_FORMAT : OZI_STATUS_DECODE_FAILED;
    /* One frame, should a cut ever decode: quick under valgrind too. */
    ozi_status s = ozi_engine_analyze_bytes(engine, mp4, cuts[i], "{\"video_frames\":1}", NULL, &json, &err);
    CHECK(s == want && json == NULL, "MP4 cut at %zu: %s, expected %s (%s)", cuts[i], ozi_status_name((uint32_t)s),
          ozi_status_name((uint32_t)want), err ? ozi_error_message(err) : "");
    ozi_string_free(json);
    ozi_error_free(err);
  }
  free(mp4);
}

static void test_limits(void) {
  unsigned char *big = calloc(MAX_BYTES + 1, 1);
  big[0] = 0xFF;
  big[1] = 0xD8;
  big[2] = 0xFF;
  expect_bytes(big, MAX_BYTES + 1, OZI_STATUS_MEDIA_TOO_LARGE, OZI_FAIL_REASON_NONE, "one byte over the limit");
  /* 11 media in a request: refused whole; 10 are fine, with hostile ones as INPUT_ERROR entries. */
  unsigned char png[256];
  size_t png_len = png_claiming(png, 100000, 100000);
  ozi_media media[11];
  memset(media, 0, sizeof media);
  for (int i = 0; i < 11; i++) {
    media[i].kind = OZI_MEDIA_KIND_BYTES;
    media[i].data = png;
    media[i].len = png_len;
  }
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, 11, NULL, &json, &err);
  CHECK(s == OZI_STATUS_TOO_MANY_MEDIA && json == NULL, "11 media: %s", ozi_status_name((uint32_t)s));
  ozi_error_free(err);
  err = NULL;
  media[9].data = big;
  media[9].len = MAX_BYTES + 1;
  s = ozi_engine_analyze_request(engine, media, 10, "{\"request_id\":\"hostile-10\"}", &json, &err);
  CHECK(s == OZI_STATUS_OK, "10 media: %s", ozi_status_name((uint32_t)s));
  if (json != NULL) {
    int too_large = 0;
    for (const char *p = json; (p = strstr(p, "\"image_too_large\"")) != NULL; p++) too_large++;
    CHECK(too_large == 9, "9 bombs reported as image_too_large, got %d", too_large);
    CHECK(strstr(json, "\"media_too_large\"") != NULL, "the oversized media reported");
    CHECK(strstr(json, "\"INPUT_ERROR\"") != NULL, "INPUT_ERROR entries");
  }
  ozi_string_free(json);
  ozi_error_free(err);
  free(big);
}

int main(int argc, char **argv) {
  int no_rss = 0;
  parse_args(argc, argv, "--no-rss", &no_rss, NULL);
  check_rss = !no_rss;
  ozi_engine *e = new_engine(
      "{\"threads\":1,\"limits\":{\"max_bytes_per_media\":4194304,\"max_pixels\":2000000,\"max_dimension\":4096}}");
  if (e == NULL) return 1;
  engine = e;
  const char *path = sample("minivision_live_image_T1.jpg");
  size_t jpeg_len = 0;
  unsigned char *jpeg = read_file(path, &jpeg_len);
  CHECK(jpeg != NULL, "cannot read %s", path);
  if (jpeg != NULL) {
    test_empty_random_truncated(jpeg, jpeg_len);
    test_bombs(jpeg, jpeg_len);
    free(jpeg);
  }
  test_lying_pixels();
  test_lying_frames();
  test_truncated_video();
  test_limits();
  ozi_engine_free(e);
  return test_summary("test_hostile");
}
