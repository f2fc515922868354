/* The YAML configuration loader. */
#include <stddef.h>
#include <stdint.h>

#include "sensor/config.h"
#include "sensor/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pw_options o;
    char err[512];
    pw_options_default(&o);
    config_load_string(&o, "fuzz.yaml", (const char *)data, size, err, sizeof(err));
    config_release();
    return 0;
}
