/* Prints the JSON result of each media path given (photo, video or shot set), one line each
 * (cross-language test). `print_json --request OPTIONS_JSON PATH...`: one request over the
 * paths (at most 16); prints its JSON. */
#include <stdio.h>
#include <string.h>

#include "ozinstant.h"

int main(int argc, char **argv) {
    ozi_engine *engine = NULL;
    ozi_error *error = NULL;
    if (ozi_engine_new(NULL, &engine, &error) != OZI_STATUS_OK) {
        fprintf(stderr, "engine: %s\n", ozi_error_message(error));
        ozi_error_free(error);
        return 1;
    }
    int status = 0;
    if (argc > 2 && strcmp(argv[1], "--request") == 0) {
        /* One request over the remaining paths, options JSON as argv[2]; prints the RequestResult. */
        ozi_media media[16];
        size_t n = 0;
        for (int i = 3; i < argc && n < 16; i++) {
            memset(&media[n], 0, sizeof media[n]);
            media[n].kind = OZI_MEDIA_KIND_PATH;
            media[n].path = argv[i];
            n++;
        }
        char *json = NULL;
        if (ozi_engine_analyze_request(engine, media, n, argv[2], &json, &error) != OZI_STATUS_OK) {
            fprintf(stderr, "request: %s\n", ozi_error_message(error));
            ozi_error_free(error);
            ozi_engine_free(engine);
            return 1;
        }
        printf("%s\n", json);
        ozi_string_free(json);
        ozi_engine_free(engine);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        char *json = NULL;
        if (ozi_engine_analyze_path(engine, argv[i], "{\"request_id\":\"xlang\"}", NULL, &json, &error) != OZI_STATUS_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], ozi_error_message(error));
            ozi_error_free(error);
            error = NULL;
            status = 1;
            continue;
        }
        printf("%s\n", json);
        ozi_string_free(json);
    }
    ozi_engine_free(engine);
    return status;
}
