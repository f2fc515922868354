/* The endpoint mapper's decoders (ept_map request and reply, towers) on
 * arbitrary stubs, in NDR and NDR64.
 * Input: [flags: bit 0 little-endian, bit 1 NDR64][stub bytes]. */
#include <stddef.h>
#include <stdint.h>

#include "protocols/epm.h"

static uint64_t sum;

static void check_tower(const epm_tower *t)
{
    if (t->have_port)
        sum += t->port;
    if (t->have_ip)
        sum += t->ip[0];
    sum += t->iface_uuid[0] + t->ver_major;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool le = data[0] & 1, ndr64 = data[0] & 2;
    const uint8_t *stub = data + 1;
    size_t len = size - 1;
    epm_tower t;
    bool have;
    if (epm_decode_map_request(stub, len, le, ndr64, &t, &have) && have)
        check_tower(&t);
    epm_map_reply r;
    if (epm_decode_map_reply(stub, len, le, ndr64, &r)) {
        if (r.ntowers > EPM_MAX_TOWERS)
            __builtin_trap();
        for (uint32_t i = 0; i < r.ntowers; i++)
            check_tower(&r.towers[i]);
    }
    if (epm_tower_decode(stub, len, &t))
        check_tower(&t);
    return 0;
}
