/* Prints the JSON result of each image path given, one line each (cross-language test). */
#include <stdio.h>

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
