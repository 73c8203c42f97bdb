/* Concurrency and memory stress of the ozinstant C API: many threads share one engine and call
 * every analysis entry point at once (bytes, path, raw pixels, synchronous requests,
 * asynchronous submissions with callbacks), mixed with bad inputs, far more calls than the
 * engine's max_in_flight so that some are rejected with OZI_STATUS_BUSY. Every output is freed,
 * so a leak checker (valgrind, AddressSanitizer's LeakSanitizer) sees any leak of the library.
 *
 * Checks:
 *   - every call ends in a result (OZI_STATUS_OK with JSON), OZI_STATUS_BUSY, or exactly the
 *     error its bad input calls for; error objects agree with the status;
 *   - every accepted submission is answered exactly once (accepted == answered), with its own
 *     userdata, including submissions still running when ozi_engine_free is called;
 *   - at least one call was rejected as BUSY (a burst of submissions makes it certain), and the
 *     engine's busy_rejections counter equals the BUSY statuses seen.
 *
 * Usage: stress [--quick] [SAMPLES_DIR]   (default: samples; run from the repository root).
 * Full mode: 8 threads x 12 calls on the sample photos. --quick (under valgrind, where a photo
 * takes 20-30 s): 3 threads x 3 calls on small synthetic images (a generated BMP and raw
 * pixels), one worker thread, max_in_flight 1. Exits 1 on any failed check. */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <unistd.h>

#include "test_common.h"

static int quick = 0;
static ozi_engine *engine = NULL;

/* Inputs shared (read-only) by every thread. */
static unsigned char *image = NULL; /* a valid encoded image */
static size_t image_len = 0;
static char image_path[4096];      /* the same image as a file */
static unsigned char *pixels = NULL; /* raw RGBA frame */
static uint32_t px_w = 0, px_h = 0;
static size_t px_len = 0;

/* Outcomes. */
static atomic_long calls, results, busy, expected_errors, unexpected;
static atomic_long accepted, answered, bad_userdata;

#define SUBMIT_MAGIC 0x5ae1f00du

typedef struct {
  unsigned magic;
  long id;
} submission;

#define FAIL(...)                                        \
  do {                                                   \
    atomic_fetch_add(&unexpected, 1);                    \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__);                        \
    fputc('\n', stderr);                                 \
  } while (0)

/* Counts a finished call. `allowed_error` is the status a bad input must give (OK when the
 * input is valid); BUSY is always acceptable for calls that take an in-flight slot
 * (`may_be_busy`). A successful call returns JSON, except a submission (`submitted`), whose
 * result comes to the callback. Frees `json` and `error`. */
static int call_outcome(const char *what, ozi_status status, ozi_status allowed_error, int may_be_busy,
                        int submitted, char *json, ozi_error *error) {
  atomic_fetch_add(&calls, 1);
  if (status == OZI_STATUS_OK) {
    if (allowed_error != OZI_STATUS_OK) FAIL("%s: OK where %s was expected", what, ozi_status_name(allowed_error));
    else if (submitted ? json != NULL : (json == NULL || json[0] != '{')) FAIL("%s: OK without a JSON object", what);
    else atomic_fetch_add(&results, 1);
    if (error != NULL) FAIL("%s: error set on success", what);
  } else {
    if (error == NULL) FAIL("%s: status %s without an error object", what, ozi_status_name(status));
    else if (ozi_error_code(error) != status) FAIL("%s: error code differs from the status", what);
    if (json != NULL) FAIL("%s: JSON set on failure", what);
    if (status == OZI_STATUS_BUSY && may_be_busy) atomic_fetch_add(&busy, 1);
    else if (status == allowed_error && status != OZI_STATUS_OK) atomic_fetch_add(&expected_errors, 1);
    else FAIL("%s: unexpected %s: %s", what, ozi_status_name(status), ozi_error_message(error));
  }
  ozi_string_free(json);
  ozi_error_free(error);
  return status == OZI_STATUS_BUSY;
}

#define outcome(what, status, allowed, may_be_busy, json, error) \
  call_outcome(what, status, allowed, may_be_busy, 0, json, error)
#define submit_outcome(what, status, allowed, error) call_outcome(what, status, allowed, 1, 1, NULL, error)

static void on_result(void *userdata, ozi_status status, char *json, ozi_error *error) {
  submission *s = userdata;
  if (s == NULL || s->magic != SUBMIT_MAGIC) {
    atomic_fetch_add(&bad_userdata, 1);
  } else {
    s->magic = 0;
    free(s);
  }
  if (status == OZI_STATUS_OK ? (json == NULL || error != NULL) : (json != NULL || error == NULL))
    atomic_fetch_add(&bad_userdata, 1);
  ozi_string_free(json);
  ozi_error_free(error);
  atomic_fetch_add(&answered, 1);
}

static ozi_media media_bytes(void) {
  ozi_media m = {.kind = OZI_MEDIA_KIND_BYTES, .data = image, .len = image_len, .label = "stress"};
  return m;
}
static ozi_media media_pixels(void) {
  ozi_media m = {.kind = OZI_MEDIA_KIND_PIXELS, .data = pixels, .len = px_len, .format = OZI_PIXEL_FORMAT_RGBA8,
                 .width = px_w, .height = px_h};
  return m;
}

/* Submits `count` media; returns the status (BUSY and errors are counted by the caller). */
static ozi_status submit(const ozi_media *media, size_t count, long id, ozi_error **error) {
  submission *s = malloc(sizeof *s);
  if (s == NULL) abort();
  s->magic = SUBMIT_MAGIC;
  s->id = id;
  ozi_status st = ozi_engine_submit(engine, media, count, NULL, on_result, s, error);
  if (st == OZI_STATUS_OK) atomic_fetch_add(&accepted, 1);
  else free(s); /* not accepted: the callback never runs */
  return st;
}

/* One call of kind `op` (0..7); returns 1 when it was rejected as BUSY. */
static int one_call(int op, long id) {
  ozi_error *error = NULL;
  char *json = NULL;
  ozi_verdict verdict;
  ozi_status st;
  int was_busy = 0;
  switch (op) {
    case 0:
      st = ozi_engine_analyze_bytes(engine, image, image_len, NULL, &verdict, &json, &error);
      was_busy = outcome("analyze_bytes", st, OZI_STATUS_OK, 1, json, error);
      break;
    case 1:
      st = ozi_engine_analyze_path(engine, image_path, "{\"quality_gate\": false}", &verdict, &json, &error);
      was_busy = outcome("analyze_path", st, OZI_STATUS_OK, 1, json, error);
      break;
    case 2:
      st = ozi_engine_analyze_pixels(engine, pixels, px_len, OZI_PIXEL_FORMAT_RGBA8, px_w, px_h, 0, NULL, NULL, &json,
                                     &error);
      was_busy = outcome("analyze_pixels", st, OZI_STATUS_OK, 1, json, error);
      break;
    case 3: {
      ozi_media m[2] = {media_bytes(), media_pixels()};
      st = submit(m, 2, id, &error);
      was_busy = submit_outcome("submit", st, OZI_STATUS_OK, error);
      break;
    }
    case 4: {
      ozi_media m[2] = {media_pixels(), media_bytes()};
      st = ozi_engine_analyze_request(engine, m, 2, "{\"request_id\": \"stress\"}", &json, &error);
      was_busy = outcome("analyze_request", st, OZI_STATUS_OK, 1, json, error);
      break;
    }
    case 5: {
      /* Bad inputs, in turn. */
      static const unsigned char garbage[] = "this is not an image at all";
      ozi_media too_many[11];
      ozi_media bad_kind = {.kind = 9};
      switch (id % 6) {
        case 0:
          st = ozi_engine_analyze_bytes(engine, garbage, sizeof garbage, NULL, NULL, &json, &error);
          was_busy = outcome("garbage bytes", st, OZI_STATUS_UNSUPPORTED_FORMAT, 1, json, error);
          break;
        case 1:
          st = ozi_engine_analyze_pixels(engine, pixels, px_len, OZI_PIXEL_FORMAT_RGBA8, px_w, px_h, 3, NULL, &verdict,
                                         &json, &error);
          was_busy = outcome("short stride", st, OZI_STATUS_INVALID_INPUT, 1, json, error);
          break;
        case 2:
          st = ozi_engine_analyze_bytes(NULL, image, image_len, NULL, &verdict, &json, &error);
          was_busy = outcome("NULL engine", st, OZI_STATUS_NULL_ARGUMENT, 0, json, error);
          break;
        case 3:
          st = ozi_engine_analyze_bytes(engine, image, image_len, "{\"threshold\": 2}", &verdict, &json, &error);
          was_busy = outcome("bad options", st, OZI_STATUS_INVALID_INPUT, 0, json, error);
          break;
        case 4:
          for (int i = 0; i < 11; i++) too_many[i] = media_pixels();
          st = ozi_engine_analyze_request(engine, too_many, 11, NULL, &json, &error);
          was_busy = outcome("11 media", st, OZI_STATUS_TOO_MANY_MEDIA, 0, json, error);
          break;
        default:
          st = submit(&bad_kind, 1, id, &error);
          was_busy = submit_outcome("submit bad kind", st, OZI_STATUS_INVALID_INPUT, error);
          break;
      }
      break;
    }
    case 6:
      /* Truncated image: cannot be decoded. */
      st = ozi_engine_analyze_bytes(engine, image, image_len / 2, NULL, &verdict, &json, &error);
      was_busy = outcome("truncated", st, OZI_STATUS_DECODE_FAILED, 1, json, error);
      break;
    default:
      st = ozi_engine_stats(engine, &json, &error);
      was_busy = outcome("stats", st, OZI_STATUS_OK, 0, json, error);
      break;
  }
  return was_busy;
}

typedef struct {
  int index;
  int iterations;
} worker_args;

/* Runs its share of calls; the kinds rotate so that every thread and every run covers all 8.
 * A call rejected as BUSY is retried twice after a pause (each attempt counts as a call). */
static void *worker(void *arg) {
  worker_args *w = arg;
  for (int i = 0; i < w->iterations; i++) {
    int op = (w->index * 3 + i) % 8;
    for (int attempt = 0; attempt < 3; attempt++) {
      if (!one_call(op, (long)w->index * 1000 + i)) break;
      sleep_ms(quick ? 200 : 20);
    }
  }
  return NULL;
}

static long engine_counter(const char *name) {
  char *json = NULL;
  long value = -1;
  if (ozi_engine_stats(engine, &json, NULL) == OZI_STATUS_OK) {
    const char *p = after_key(json, name);
    if (p != NULL) value = strtol(p, NULL, 10);
  }
  ozi_string_free(json);
  return value;
}

static int wait_answered(int seconds) {
  for (int i = 0; i < seconds * 20; i++) {
    if (atomic_load(&answered) >= atomic_load(&accepted)) return 1;
    sleep_ms(50);
  }
  return atomic_load(&answered) >= atomic_load(&accepted);
}

int main(int argc, char **argv) {
  parse_args(argc, argv, "--quick", &quick, NULL);
  int threads = quick ? 3 : 8;
  int iterations = quick ? 3 : 12;
  int burst = quick ? 3 : 6;
  const char *config = quick ? "{\"threads\": 1, \"max_in_flight\": 1}" : "{\"threads\": 2, \"max_in_flight\": 3}";

  /* Inputs. */
  if (quick) {
    image = make_bmp(48, 40, &image_len);
    snprintf(image_path, sizeof image_path, "/tmp/ozinstant-stress-%ld.bmp", (long)getpid());
    FILE *f = fopen(image_path, "wb");
    if (image == NULL || f == NULL || fwrite(image, 1, image_len, f) != image_len) {
      fprintf(stderr, "cannot write %s\n", image_path);
      return 1;
    }
    fclose(f);
    px_w = 40;
    px_h = 32;
  } else {
    snprintf(image_path, sizeof image_path, "%s", sample("minivision_live_image_T1.jpg"));
    image = read_file(image_path, &image_len);
    if (image == NULL) {
      fprintf(stderr, "cannot read %s (run from the repository root or pass SAMPLES_DIR)\n", image_path);
      return 1;
    }
    px_w = 160;
    px_h = 120;
  }
  pixels = make_frame((int)px_w, (int)px_h, (size_t)px_w * 4, &px_len);
  if (pixels == NULL) return 1;

  engine = new_engine(config);
  if (engine == NULL) return 1;
  ozi_error *error = NULL;

  /* A burst of submissions from one thread, faster than any analysis: more than max_in_flight
   * of them cannot all be accepted, so BUSY is certain. */
  for (int i = 0; i < burst; i++) {
    ozi_media m = media_bytes();
    ozi_status st = submit(&m, 1, -1 - i, &error);
    submit_outcome("burst submit", st, OZI_STATUS_OK, error);
    error = NULL;
  }

  pthread_t tids[16];
  worker_args args[16];
  for (int t = 0; t < threads; t++) {
    args[t].index = t;
    args[t].iterations = iterations;
    if (pthread_create(&tids[t], NULL, worker, &args[t]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (int t = 0; t < threads; t++) pthread_join(tids[t], NULL);

  int all_answered = wait_answered(quick ? 900 : 300);

  /* Every bad input once more on the idle engine (nothing in flight: no BUSY possible), so that
   * each error path runs even when the threads above were rejected. */
  long errors_before_sweep = atomic_load(&expected_errors);
  for (long k = 0; k < 6; k++) one_call(5, k);
  one_call(6, 0);
  long sweep_errors = atomic_load(&expected_errors) - errors_before_sweep;
  long engine_busy = engine_counter("busy_rejections");
  long in_flight = engine_counter("in_flight");

  /* Submissions still queued or running when the engine is freed must be answered anyway. */
  long busy_before_free = atomic_load(&busy);
  long before_free = atomic_load(&accepted);
  for (int i = 0; i < 2; i++) {
    ozi_media m = media_pixels();
    ozi_status st = submit(&m, 1, 99000 + i, &error);
    submit_outcome("submit before free", st, OZI_STATUS_OK, error);
    error = NULL;
  }
  long late = atomic_load(&accepted) - before_free;
  ozi_engine_free(engine);
  engine = NULL;
  int late_answered = wait_answered(quick ? 900 : 300);

  long n_calls = atomic_load(&calls), n_results = atomic_load(&results), n_busy = atomic_load(&busy);
  long n_expected = atomic_load(&expected_errors), n_unexpected = atomic_load(&unexpected);
  long n_accepted = atomic_load(&accepted), n_answered = atomic_load(&answered);
  printf("stress%s: %d threads x %d calls + %d burst + 2 at free: %ld calls = %ld results + %ld busy + %ld expected "
         "errors, %ld unexpected; submissions accepted %ld, answered %ld (%ld submitted just before "
         "ozi_engine_free); engine busy_rejections %ld\n",
         quick ? " --quick" : "", threads, iterations, burst, n_calls, n_results, n_busy, n_expected, n_unexpected,
         n_accepted, n_answered, late, engine_busy);

  int ok = 1;
#define REQUIRE(cond)                                         \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ok = 0;                                                 \
    }                                                         \
  } while (0)
  REQUIRE(n_unexpected == 0);
  REQUIRE(n_calls == n_results + n_busy + n_expected);
  REQUIRE(all_answered && late_answered);
  REQUIRE(n_accepted == n_answered);
  REQUIRE(atomic_load(&bad_userdata) == 0);
  REQUIRE(n_busy > 0);
  REQUIRE(sweep_errors == 7);
  /* The engine counted exactly the BUSY statuses seen (read before the last submissions). */
  REQUIRE(engine_busy == busy_before_free);
  REQUIRE(in_flight == 0);

  if (quick) remove(image_path);
  free(image);
  free(pixels);
  printf("stress: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
