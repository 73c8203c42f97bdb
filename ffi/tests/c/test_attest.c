/* Signed results through the C API: an engine configured with `signing.key_pem` signs every
 * media and request result (a nonce from the call's options, the media's SHA-256),
 * ozi_engine_public_key_pem hands out its public key, and ozi_verify_result accepts exactly the
 * results it signed: a changed score, another key, another key id, an unsigned result, a broken
 * key and NULL arguments each get their own status.
 *
 * The key is the Ed25519 key of RFC 8032, section 7.1, test 1 (a published test key, never to be
 * used for anything else); OTHER_PUBLIC is the public key of test 2.
 *
 * Usage: test_attest [SAMPLES_DIR] (default: samples). Prints "test_attest: N passed, M failed";
 * exits 1 if any check failed. */
#define _POSIX_C_SOURCE 200809L

#include "test_common.h"

#define KEY_PEM_JSON \
  "-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\\n-----END PRIVATE KEY-----\\n"

static const unsigned char PUBLIC_RAW[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
                                             0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
                                             0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
static const unsigned char OTHER_PUBLIC[32] = {0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a,
                                               0xa7, 0x4d, 0x1b, 0x7e, 0xbc, 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4,
                                               0x96, 0x8c, 0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c};

/* ozi_verify_result(json, key, len, key_id): the status; the verified JSON (free it) in *out when
 * `out` is not NULL; the error's message copied into `message` (empty when none). */
static ozi_status verify(const char *json, const unsigned char *key, size_t len, const char *key_id, char **out,
                         char *message, size_t message_len) {
  ozi_error *err = NULL;
  ozi_status s = ozi_verify_result(json, key, len, key_id, out, &err);
  snprintf(message, message_len, "%s", err ? ozi_error_message(err) : "");
  CHECK((s == OZI_STATUS_OK) == (err == NULL), "an error object exactly when the status is not OK (%d)", (int)s);
  if (err != NULL) CHECK(ozi_error_code(err) == s, "the error's code is the status");
  CHECK(s == OZI_STATUS_OK || out == NULL || *out == NULL, "no verified JSON on error");
  ozi_error_free(err);
  return s;
}

/* Analyses one sample with `options`; the result JSON (free it) or NULL. */
static char *analyze(ozi_engine *engine, const char *name, const char *options, ozi_status *status) {
  char *json = NULL;
  ozi_error *err = NULL;
  *status = ozi_engine_analyze_path(engine, sample(name), options, NULL, &json, &err);
  ozi_error_free(err);
  return json;
}

int main(int argc, char **argv) {
  parse_args(argc, argv, NULL, NULL, NULL);
  char message[1024];
  char *verified = NULL;

  ozi_engine *signer = new_engine("{\"threads\":2,\"signing\":{\"key_id\":\"c-test\",\"key_pem\":\"" KEY_PEM_JSON "\"}}");
  ozi_engine *plain = new_engine("{\"threads\":1}");
  CHECK(signer != NULL && plain != NULL, "engines with and without a signing key");
  if (signer == NULL || plain == NULL) return 1;

  /* The public key: PEM from the signing engine, NULL (and OK) without a key. */
  char *pem = NULL;
  ozi_error *err = NULL;
  ozi_status s = ozi_engine_public_key_pem(signer, &pem, &err);
  CHECK(s == OZI_STATUS_OK && pem != NULL && strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0,
        "public key PEM: %d %s", (int)s, pem ? pem : "(null)");
  char *none = (char *)"sentinel";
  s = ozi_engine_public_key_pem(plain, &none, &err);
  CHECK(s == OZI_STATUS_OK && none == NULL && err == NULL, "no key: OK and NULL");
  s = ozi_engine_public_key_pem(NULL, &none, &err);
  CHECK(s == OZI_STATUS_NULL_ARGUMENT && none == NULL, "NULL engine: %d", (int)s);
  ozi_error_free(err);
  err = NULL;
  /* The configuration the engine reports never holds the private key. */
  char *info = NULL;
  s = ozi_engine_info(signer, &info, &err);
  CHECK(s == OZI_STATUS_OK && info != NULL && strstr(info, "PRIVATE KEY") == NULL && strstr(info, "MC4CAQ") == NULL,
        "engine info does not show the private key");
  ozi_string_free(info);

  /* A signed media result. */
  char *json = analyze(signer, "minivision_live_image_T1.jpg", "{\"nonce\":\"challenge-42\"}", &s);
  CHECK(s == OZI_STATUS_OK && json != NULL, "analyze with a nonce: %d", (int)s);
  if (json == NULL) return test_summary("test_attest");
  const char *att = strstr(json, "\"attestation\":{");
  CHECK(att != NULL, "the result carries an attestation");
  CHECK(att && has(att, "alg", "\"EdDSA\"") && has(att, "key_id", "\"c-test\"") &&
            has(att, "nonce", "\"challenge-42\"") && after_key(att, "media_sha256") && after_key(att, "jws"),
        "attestation members: %.400s", att ? att : json);
  /* Verifies with the PEM, the raw 32 bytes, the right key id; without an output pointer. */
  s = verify(json, (const unsigned char *)pem, strlen(pem), NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_OK && verified != NULL, "verifies with the PEM: %s", message);
  CHECK(verified && has(verified, "key_id", "\"c-test\"") && has(verified, "nonce", "\"challenge-42\"") &&
            has(verified, "nested_verified", "0") && after_key(verified, "issued_at") &&
            strstr(verified, "\"payload\":{") && strstr(verified, "\"resolution\":\"SUCCESS\""),
        "verified JSON: %.300s", verified ? verified : "(null)");
  ozi_string_free(verified);
  verified = NULL;
  s = verify(json, PUBLIC_RAW, sizeof PUBLIC_RAW, "c-test", &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_OK && verified != NULL, "verifies with the raw key and its key id: %s", message);
  ozi_string_free(verified);
  verified = NULL;
  s = verify(json, PUBLIC_RAW, sizeof PUBLIC_RAW, NULL, NULL, message, sizeof message);
  CHECK(s == OZI_STATUS_OK, "verifies without an output pointer: %s", message);

  /* Refusals. */
  s = verify(json, PUBLIC_RAW, sizeof PUBLIC_RAW, "another-id", &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_INVALID_INPUT, "another key id: %d %s", (int)s, message);
  s = verify(json, OTHER_PUBLIC, sizeof OTHER_PUBLIC, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_INVALID_INPUT, "another key: %d %s", (int)s, message);
  s = verify(json, (const unsigned char *)"short", 5, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_INVALID_CONFIG, "a broken key: %d %s", (int)s, message);
  s = verify(NULL, PUBLIC_RAW, sizeof PUBLIC_RAW, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_NULL_ARGUMENT, "NULL result: %d", (int)s);
  s = verify(json, NULL, 32, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_NULL_ARGUMENT, "NULL key: %d", (int)s);
  s = verify("{\"resolution\":", PUBLIC_RAW, sizeof PUBLIC_RAW, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_INVALID_INPUT, "not JSON: %d %s", (int)s, message);

  /* One changed digit of the score fails, naming the field. */
  char *tampered = strdup(json);
  char *score = tampered ? (char *)after_key(tampered, "confidence_spoofing") : NULL;
  CHECK(score != NULL && score[0] == '0' && score[1] == '.', "score in the result");
  if (score != NULL && score[2] != '\0') {
    score[2] = score[2] == '9' ? '8' : (char)(score[2] + 1);
    s = verify(tampered, PUBLIC_RAW, sizeof PUBLIC_RAW, NULL, &verified, message, sizeof message);
    CHECK(s == OZI_STATUS_INVALID_INPUT && strstr(message, "confidence_spoofing") != NULL,
          "a changed score fails, naming it: %d %s", (int)s, message);
  }
  free(tampered);

  /* An unsigned result (from the engine without a key) does not verify; a nonce needs a key. */
  char *unsigned_json = analyze(plain, "minivision_live_image_T1.jpg", NULL, &s);
  CHECK(s == OZI_STATUS_OK && unsigned_json && strstr(unsigned_json, "\"attestation\"") == NULL,
        "no attestation without a key");
  s = verify(unsigned_json, PUBLIC_RAW, sizeof PUBLIC_RAW, NULL, &verified, message, sizeof message);
  CHECK(s == OZI_STATUS_INVALID_INPUT, "an unsigned result: %d %s", (int)s, message);
  ozi_string_free(unsigned_json);
  char *refused = analyze(plain, "minivision_live_image_T1.jpg", "{\"nonce\":\"n\"}", &s);
  CHECK(s == OZI_STATUS_INVALID_INPUT && refused == NULL, "a nonce without a signing key is refused: %d", (int)s);
  ozi_string_free(refused);

  /* A request: the folder result and each media result are signed; all verify. */
  char live[4096], spoof[4096];
  snprintf(live, sizeof live, "%s", sample("minivision_live_image_T1.jpg"));
  snprintf(spoof, sizeof spoof, "%s", sample("minivision_spoof_print_image_F1.jpg"));
  ozi_media media[2] = {{.kind = OZI_MEDIA_KIND_PATH, .path = live}, {.kind = OZI_MEDIA_KIND_PATH, .path = spoof}};
  char *request = NULL;
  s = ozi_engine_analyze_request(signer, media, 2, "{\"nonce\":\"req-7\"}", &request, &err);
  CHECK(s == OZI_STATUS_OK && request != NULL, "signed request: %d", (int)s);
  ozi_error_free(err);
  err = NULL;
  if (request != NULL) {
    s = verify(request, (const unsigned char *)pem, strlen(pem), "c-test", &verified, message, sizeof message);
    CHECK(s == OZI_STATUS_OK && verified && has(verified, "nested_verified", "2") &&
              has(verified, "nonce", "\"req-7\""),
          "request verifies with both media: %s %.200s", message, verified ? verified : "");
    ozi_string_free(verified);
    verified = NULL;
    /* Turning the first DECLINED (the folder's or the spoof's) into a pass breaks the signature. */
    char *swapped = strdup(request);
    char *declined = swapped ? strstr(swapped, "\"resolution\":\"DECLINED\"") : NULL;
    CHECK(declined != NULL, "the request holds a DECLINED verdict");
    if (declined != NULL) {
      memcpy(declined + 14, "SUCCESS\" ", 9); /* DECLINED" -> SUCCESS" (same length, still JSON) */
      s = verify(swapped, (const unsigned char *)pem, strlen(pem), NULL, &verified, message, sizeof message);
      CHECK(s == OZI_STATUS_INVALID_INPUT, "a spoof turned into SUCCESS fails: %d %s", (int)s, message);
    }
    free(swapped);
    ozi_string_free(request);
  }

  ozi_string_free(json);
  ozi_string_free(pem);
  ozi_engine_free(signer);
  ozi_engine_free(plain);
  return test_summary("test_attest");
}
