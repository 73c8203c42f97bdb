/* Helpers shared by the C test programs of ffi/tests/c (test_api.c, test_video.c, stress.c,
 * test_biometry.c, test_fork.c, test_hostile.c, test_attest.c). Each program is a single translation unit that
 * includes this header once, so everything here is `static` (counters) or `static inline`
 * (functions): a program that does not use a helper gets no warning and no code for it.
 *
 *   - CHECK(cond, fmt, ...): counts a passed or failed check (a failed one prints a line);
 *     test_summary(name) prints "NAME: N passed, M failed" and returns the exit status;
 *   - the command line ([FLAG] [SAMPLES_DIR] [SECOND]) and the samples folder: parse_args,
 *     samples, sample(name);
 *   - new_engine(config): an engine, or NULL with the reason printed;
 *   - read_file, put_le, make_bmp (a face-less BMP in memory), make_frame (face-less raw pixels);
 *   - peeking into result JSON: after_key, number, has, entry;
 *   - time and callbacks: sleep_ms, wait_count (waits for callbacks counted under a mutex),
 *     waiter (one asynchronous submission: its callback, status and JSON).
 *
 * C11 with POSIX.1-2008 (clock_gettime, nanosleep, pthreads): build with -pthread. */
#ifndef OZI_TEST_COMMON_H
#define OZI_TEST_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ozinstant.h"

/* --- checks ------------------------------------------------------------------------------- */

static int passed = 0;
static int failed = 0;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (cond) {                                                       \
      passed++;                                                       \
    } else {                                                          \
      failed++;                                                       \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

/* Prints "PROGRAM: N passed, M failed"; returns the exit status (1 if any check failed). */
static inline int test_summary(const char *program) {
  printf("%s: %d passed, %d failed\n", program, passed, failed);
  return failed == 0 ? 0 : 1;
}

/* --- command line and samples ------------------------------------------------------------- */

static const char *samples = "samples";

/* `flag` (NULL: none) sets *flag_seen to 1; the first other argument is the samples folder, any
 * later one goes to *second (the last wins), or replaces the samples folder when `second` is
 * NULL. */
static inline void parse_args(int argc, char **argv, const char *flag, int *flag_seen, const char **second) {
  int positional = 0;
  for (int i = 1; i < argc; i++) {
    if (flag != NULL && strcmp(argv[i], flag) == 0) {
      *flag_seen = 1;
    } else if (positional++ == 0 || second == NULL) {
      samples = argv[i];
    } else {
      *second = argv[i];
    }
  }
}

/* Path of a sample (static buffer; valid until the next call). */
static inline const char *sample(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", samples, name);
  return path;
}

/* --- engine ------------------------------------------------------------------------------- */

/* ozi_engine_new(config): the engine when the status is OK, an engine came back and no error
 * object was set; otherwise NULL, with "cannot create the engine: MESSAGE" on stderr. */
static inline ozi_engine *new_engine(const char *config) {
  ozi_engine *e = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_new(config, &e, &err);
  if (s != OZI_STATUS_OK || e == NULL || err != NULL) {
    fprintf(stderr, "cannot create the engine: %s (status %s)\n", err ? ozi_error_message(err) : "no error object",
            ozi_status_name((uint32_t)s));
    ozi_engine_free(e);
    e = NULL;
  }
  ozi_error_free(err);
  return e;
}

/* --- bytes -------------------------------------------------------------------------------- */

/* Reads a whole file into a malloc'd buffer (NULL if it cannot be read). */
static inline unsigned char *read_file(const char *path, size_t *len) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      unsigned char *grown = realloc(buf, cap);
      if (grown == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Writes the low `bytes` bytes of `v`, least significant first. */
static inline void put_le(unsigned char *p, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* The 54-byte header of a 24-bit BMP (BITMAPFILEHEADER + BITMAPINFOHEADER) announcing w x h
 * (positive h: bottom-up rows), pixels at offset 54. Bytes it does not set must already be 0. */
static inline void put_bmp_header(unsigned char *b, uint32_t w, uint32_t h, uint32_t file_len, uint32_t pixel_len) {
  b[0] = 'B';
  b[1] = 'M';
  put_le(b + 2, file_len, 4);   /* file size */
  put_le(b + 10, 54, 4);        /* pixel data offset */
  put_le(b + 14, 40, 4);        /* BITMAPINFOHEADER */
  put_le(b + 18, w, 4);
  put_le(b + 22, h, 4);
  put_le(b + 26, 1, 2);         /* planes */
  put_le(b + 28, 24, 2);        /* bits per pixel */
  put_le(b + 34, pixel_len, 4); /* 0 leaves it to the decoder */
}

/* A face-less w x h 24-bit BMP file in memory: a valid encoded image that is cheap to analyse. */
static inline unsigned char *make_bmp(int w, int h, size_t *len) {
  size_t row = ((size_t)w * 3 + 3) & ~(size_t)3;
  *len = 54 + row * (size_t)h;
  unsigned char *b = calloc(*len, 1);
  if (b == NULL) return NULL;
  put_bmp_header(b, (uint32_t)w, (uint32_t)h, (uint32_t)*len, (uint32_t)(row * (size_t)h));
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w * 3; x++) b[54 + (size_t)y * row + (size_t)x] = (unsigned char)((x * 7 + y * 13) % 251);
  }
  return b;
}

/* A face-less synthetic frame of w x h 4-byte pixels, `stride` bytes per row. */
static inline unsigned char *make_frame(int w, int h, size_t stride, size_t *len) {
  if (stride < (size_t)w * 4) return NULL;
  *len = stride * (size_t)h;
  unsigned char *px = malloc(*len);
  if (px != NULL) {
    for (size_t i = 0; i < *len; i++) px[i] = (unsigned char)(i * 7 % 251);
  }
  return px;
}

/* --- result JSON -------------------------------------------------------------------------- */

/* The text after the first `"key":` in `json`, or NULL (also for a NULL `json`). */
static inline const char *after_key(const char *json, const char *key) {
  if (json == NULL) return NULL;
  char needle[128];
  snprintf(needle, sizeof needle, "\"%s\":", key);
  const char *p = strstr(json, needle);
  return p ? p + strlen(needle) : NULL;
}

/* The number after `"key":`, or -1. */
static inline double number(const char *json, const char *key) {
  const char *p = after_key(json, key);
  return p ? strtod(p, NULL) : -1.0;
}

/* True when `json` holds `"key":value` (value written as in JSON, e.g. "\"video\"" or "8"),
 * followed by `,` or `}` for numbers so that 8 does not match 80. */
static inline int has(const char *json, const char *key, const char *value) {
  char needle[160];
  snprintf(needle, sizeof needle, "\"%s\":%s", key, value);
  for (const char *p = json; p != NULL && (p = strstr(p, needle)) != NULL; p++) {
    char next = p[strlen(needle)];
    if (value[0] == '"' || next == ',' || next == '}') return 1;
  }
  return 0;
}

/* The entry of media `index` in a request result JSON (points at its "media_index"). */
static inline const char *entry(const char *json, int index) {
  char needle[48];
  snprintf(needle, sizeof needle, "\"media_index\":%d,", index);
  return json ? strstr(json, needle) : NULL;
}

/* --- time --------------------------------------------------------------------------------- */

static inline void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits until *counter (written under `lock`, with `cond` broadcast or signalled) reaches
 * `count`, or `seconds` passed; returns the last value seen. */
static inline int wait_count(pthread_mutex_t *lock, pthread_cond_t *cond, const int *counter, int count, int seconds) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += seconds;
  pthread_mutex_lock(lock);
  while (*counter < count) {
    if (pthread_cond_timedwait(cond, lock, &deadline) != 0) break;
  }
  int n = *counter;
  pthread_mutex_unlock(lock);
  return n;
}

/* One asynchronous submission: pass waiter_on_done as the callback and the waiter as userdata,
 * then waiter_wait. */
typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done;          /* callbacks received */
  ozi_status status; /* of the last callback */
  char *json;        /* of the last callback (NULL on error): the test frees it */
} waiter;

static inline void waiter_init(waiter *w) {
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->cond, NULL);
  w->done = 0;
  w->status = OZI_STATUS_PANIC;
  w->json = NULL;
}

static inline void waiter_destroy(waiter *w) {
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->cond);
}

static inline void waiter_on_done(void *userdata, ozi_status status, char *json, ozi_error *error) {
  waiter *w = userdata;
  ozi_error_free(error);
  pthread_mutex_lock(&w->lock);
  w->done++;
  w->status = status;
  w->json = json;
  pthread_cond_broadcast(&w->cond);
  pthread_mutex_unlock(&w->lock);
}

/* Waits at most `seconds` for the callback; returns the callbacks received (0: it has not run
 * yet and may still write to `w`, which must then stay alive). */
static inline int waiter_wait(waiter *w, int seconds) {
  return wait_count(&w->lock, &w->cond, &w->done, 1, seconds);
}

#endif /* OZI_TEST_COMMON_H */
