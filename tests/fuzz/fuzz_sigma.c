/* The Sigma loader and matcher: the input is a rule file; every rule that
 * loads is matched against a fixed 5145 event and an event made of the
 * input's own first bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "detect/sigma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sigma_ruleset *rs = sigma_ruleset_new();
    if (!rs)
        return 0;
    sigma_load_string(rs, "fuzz.yml", (const char *)data, size, NULL, NULL);
    char val[64];
    size_t n = size < sizeof(val) - 1 ? size : sizeof(val) - 1;
    memcpy(val, data, n);
    val[n] = 0;
    sigma_field f1[] = {{"EventID", "5145"},
                        {"ShareName", "\\\\*\\IPC$"},
                        {"RelativeTargetName", "updsvc-WKS01-4242-stdin"},
                        {"AccessMask", "0x12019f"},
                        {"IpAddress", "10.1.2.3"}};
    sigma_field f2[] = {{"EventID", val}, {"ShareName", val}, {"RelativeTargetName", val}, {"IpAddress", val}};
    sigma_event e1 = {"windows", "security", NULL, f1, 5};
    sigma_event e2 = {"windows", "security", NULL, f2, 4};
    const sigma_rule *m[8];
    sigma_match(rs, &e1, m, 8);
    sigma_match(rs, &e2, m, 8);
    sigma_ruleset_free(rs);
    return 0;
}
