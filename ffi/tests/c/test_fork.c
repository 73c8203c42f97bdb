/* fork() safety through the C API: an engine created before fork() and used in the child fails
 * every call at once with OZI_STATUS_FORKED (16) instead of waiting forever for worker threads
 * that fork() did not copy; ozi_engine_ready is false there and ozi_engine_free returns. The
 * parent's engine keeps working.
 *
 * Usage: test_fork [SAMPLES_DIR]   (default: samples). Prints one line per failed check and a
 * summary "test_fork: N passed, M failed"; exits 1 if any check failed. Run from the repository
 * root (ONNX Runtime is found in .cache/onnxruntime/). */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_common.h"

/* --- the child ------------------------------------------------------------------------------ */

static volatile int child_callbacks = 0;

static void child_on_done(void *userdata, ozi_status status, char *json, ozi_error *error) {
  (void)userdata;
  (void)status;
  child_callbacks++;
  ozi_string_free(json);
  ozi_error_free(error);
}

/* 1 when `status`/`err` are the forked error (the error is freed). */
static int is_forked(ozi_status status, ozi_error *err) {
  int ok = status == OZI_STATUS_FORKED && err != NULL && ozi_error_code(err) == OZI_STATUS_FORKED &&
           strcmp(ozi_error_name(err), "forked") == 0 && strstr(ozi_error_message(err), "fork") != NULL;
  ozi_error_free(err);
  return ok;
}

/* Runs in the child; returns a bit mask of the failed checks (0 = all passed). Only ozi_ calls,
 * no stdio (its locks belong to the parent's threads). */
static int child_checks(ozi_engine *engine, const char *live, const unsigned char *frame, size_t frame_len) {
  int mask = 0;
  ozi_error *err = NULL;
  char *json = NULL;
  ozi_verdict verdict;

  if (ozi_engine_ready(engine)) mask |= 1 << 0;
  ozi_status s = ozi_engine_analyze_path(engine, live, NULL, &verdict, &json, &err);
  if (!is_forked(s, err) || json != NULL) mask |= 1 << 1;
  err = NULL;
  s = ozi_engine_analyze_bytes(engine, frame, frame_len, NULL, &verdict, &json, &err);
  if (!is_forked(s, err)) mask |= 1 << 2;
  err = NULL;
  s = ozi_engine_analyze_pixels(engine, frame, frame_len, OZI_PIXEL_FORMAT_RGB8, 32, 32, 0, NULL, &verdict, &json,
                                &err);
  if (!is_forked(s, err)) mask |= 1 << 3;
  ozi_media media[2];
  memset(media, 0, sizeof media);
  media[0] = (ozi_media){.kind = OZI_MEDIA_KIND_PATH, .path = live};
  media[1] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = frame, .len = frame_len,
                         .format = OZI_PIXEL_FORMAT_RGB8, .width = 32, .height = 32};
  err = NULL;
  s = ozi_engine_analyze_request(engine, media, 2, NULL, &json, &err);
  if (!is_forked(s, err) || json != NULL) mask |= 1 << 4;
  err = NULL;
  s = ozi_engine_submit(engine, media, 2, NULL, child_on_done, NULL, &err);
  if (!is_forked(s, err)) mask |= 1 << 5;
  err = NULL;
  s = ozi_engine_warm_up(engine, &err);
  if (!is_forked(s, err)) mask |= 1 << 6;
  sleep_ms(100);
  if (child_callbacks != 0) mask |= 1 << 7; /* a refused submission never calls back */
  /* Freeing the inherited engine must return (it leaks the parts that own threads). */
  ozi_engine_free(engine);
  return mask;
}

/* --- the parent ----------------------------------------------------------------------------- */

/* Analyses the live sample by path; returns its resolution (FAILED with a message on error). */
static ozi_resolution analyze_live(const ozi_engine *engine, const char *live) {
  ozi_verdict verdict;
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_path(engine, live, NULL, &verdict, &json, &err);
  CHECK(s == OZI_STATUS_OK, "analyze %s: %s", live, err ? ozi_error_message(err) : "");
  ozi_string_free(json);
  ozi_error_free(err);
  return s == OZI_STATUS_OK ? verdict.resolution : OZI_RESOLUTION_FAILED;
}

int main(int argc, char **argv) {
  parse_args(argc, argv, NULL, NULL, NULL);
  char live[4096];
  snprintf(live, sizeof live, "%s", sample("minivision_live_image_T1.jpg"));
  static unsigned char frame[32 * 32 * 3];
  for (size_t i = 0; i < sizeof frame; i++) frame[i] = (unsigned char)(i * 13 % 251);

  CHECK(OZI_STATUS_FORKED == 16, "stable number");
  CHECK(strcmp(ozi_status_name(OZI_STATUS_FORKED), "forked") == 0, "name");

  ozi_engine *engine = new_engine("{\"threads\": 2}");
  CHECK(engine != NULL, "engine_new({\"threads\": 2})");
  if (engine == NULL) return 1;

  /* Use the worker threads and the sessions before forking, so they exist in the parent. */
  CHECK(ozi_engine_ready(engine), "ready before fork");
  CHECK(analyze_live(engine, live) == OZI_RESOLUTION_SUCCESS, "live sample before fork");
  ozi_media media[2];
  memset(media, 0, sizeof media);
  media[0] = (ozi_media){.kind = OZI_MEDIA_KIND_PATH, .path = live};
  media[1] = (ozi_media){.kind = OZI_MEDIA_KIND_PIXELS, .data = frame, .len = sizeof frame,
                         .format = OZI_PIXEL_FORMAT_RGB8, .width = 32, .height = 32};
  char *json = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_analyze_request(engine, media, 2, NULL, &json, &err);
  CHECK(s == OZI_STATUS_OK, "request before fork: %s", err ? ozi_error_message(err) : "");
  ozi_string_free(json);
  ozi_error_free(err);

  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0, "fork failed");
  if (pid < 0) return 1;
  if (pid == 0) {
    int mask = child_checks(engine, live, frame, sizeof frame);
    _exit(mask); /* no atexit handlers: they belong to the parent */
  }

  /* Wait for the child, at most 60 s (a hang is the bug this guards against). */
  int status = 0;
  pid_t r = 0;
  for (int waited_ms = 0; (r = waitpid(pid, &status, WNOHANG)) == 0 && waited_ms < 60000; waited_ms += 20) {
    sleep_ms(20);
  }
  if (r == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    CHECK(0, "the child did not finish within 60 s (hang in an inherited engine)");
  } else {
    CHECK(r == pid, "waitpid");
    CHECK(WIFEXITED(status), "child did not exit normally (raw status %#x)", (unsigned)status);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checks failed: bit mask %d",
          WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }

  /* The parent's engine is untouched. */
  CHECK(ozi_engine_ready(engine), "ready after fork");
  err = NULL;
  s = ozi_engine_warm_up(engine, &err);
  CHECK(s == OZI_STATUS_OK, "warm_up after fork: %s", err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  CHECK(analyze_live(engine, live) == OZI_RESOLUTION_SUCCESS, "live sample after fork");
  waiter w;
  waiter_init(&w);
  err = NULL;
  s = ozi_engine_submit(engine, media, 2, NULL, waiter_on_done, &w, &err);
  CHECK(s == OZI_STATUS_OK, "submit after fork: %s", err ? ozi_error_message(err) : "");
  ozi_error_free(err);
  if (s == OZI_STATUS_OK) {
    int done = waiter_wait(&w, 60);
    pthread_mutex_lock(&w.lock);
    ozi_status st = w.status;
    pthread_mutex_unlock(&w.lock);
    CHECK(done && st == OZI_STATUS_OK, "submit callback after fork (done %d, status %d)", done, (int)st);
    if (!done) return 1; /* the callback still holds &w */
    ozi_string_free(w.json);
  }
  waiter_destroy(&w);
  ozi_engine_free(engine);

  return test_summary("test_fork");
}
