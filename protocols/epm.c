#include "epm.h"

#include <string.h>

#include "ndr.h"
#include "reader.h"

/* A UUID as a floor holds it (little-endian fields) into canonical order. */
static void floor_uuid(const uint8_t *p, uint8_t out[16])
{
    out[0] = p[3];
    out[1] = p[2];
    out[2] = p[1];
    out[3] = p[0];
    out[4] = p[5];
    out[5] = p[4];
    out[6] = p[7];
    out[7] = p[6];
    memcpy(out + 8, p + 8, 8);
}

bool epm_tower_decode(const uint8_t *p, size_t len, epm_tower *t)
{
    memset(t, 0, sizeof *t);
    rd_t r = rd_make(p, len);
    uint16_t floors = rd_le16(&r);
    if (!rd_ok(&r) || floors == 0)
        return false;
    for (uint16_t i = 0; i < floors && i < EPM_MAX_FLOORS; i++) {
        uint16_t lhs_len = rd_le16(&r);
        const uint8_t *lhs = rd_bytes(&r, lhs_len);
        uint16_t rhs_len = rd_le16(&r);
        const uint8_t *rhs = rd_bytes(&r, rhs_len);
        if (!rd_ok(&r))
            return false;
        if (lhs_len == 0)
            continue;
        switch (lhs[0]) {
        case EPM_PROT_UUID:
            if (i == 0 && lhs_len >= 19) {
                t->have_iface = true;
                floor_uuid(lhs + 1, t->iface_uuid);
                t->ver_major = (uint16_t)(lhs[17] | (lhs[18] << 8));
                t->ver_minor = rhs_len >= 2 ? (uint16_t)(rhs[0] | (rhs[1] << 8)) : 0;
            }
            break;
        case EPM_PROT_RPC_CO: t->rpc_co = true; break;
        case EPM_PROT_TCP:
            if (rhs_len >= 2) {
                t->have_port = true;
                t->port = (uint16_t)((rhs[0] << 8) | rhs[1]);
            }
            break;
        case EPM_PROT_IP:
            if (rhs_len >= 4) {
                t->have_ip = true;
                memcpy(t->ip, rhs, 4);
            }
            break;
        default: break;
        }
    }
    return true;
}

/* A pointer's referent id, an array's count: 4 bytes in NDR, 8 in NDR64
 * (counts past 32 bits do not fit any stub and fail). */
static uint32_t wide(ndr_t *n, bool ndr64)
{
    if (!ndr64)
        return ndr_u32(n);
    uint64_t v = ndr_u64(n);
    if (v > UINT32_MAX) {
        ndr_fail(n);
        return 0;
    }
    return (uint32_t)v;
}

/* A twr_t (C706 appendix O): a conformant structure, its MaximumCount first,
 * then tower_length and the octets. */
static bool read_tower(ndr_t *n, bool ndr64, epm_tower *t)
{
    uint32_t max = wide(n, ndr64);
    uint32_t tlen = ndr_u32(n);
    if (!ndr_ok(n) || tlen > max) {
        ndr_fail(n);
        return false;
    }
    const uint8_t *oct = ndr_bytes(n, max);
    if (!oct)
        return false;
    if (!epm_tower_decode(oct, tlen, t)) {
        ndr_fail(n);
        return false;
    }
    return true;
}

bool epm_decode_map_request(const uint8_t *stub, size_t len, bool little_endian, bool ndr64, epm_tower *t,
                            bool *have_tower)
{
    ndr_t n = ndr_make(stub, len, little_endian);
    memset(t, 0, sizeof *t);
    *have_tower = false;
    if (wide(&n, ndr64)) { /* object: a UUID */
        ndr_u32(&n);
        ndr_bytes(&n, 12);
    }
    if (wide(&n, ndr64)) {
        if (!read_tower(&n, ndr64, t))
            return false;
        *have_tower = true;
    }
    ndr_align(&n, 4);
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    ndr_context_handle(&n, handle);
    (void)ndr_u32(&n); /* max_towers */
    return ndr_ok(&n);
}

bool epm_decode_map_reply(const uint8_t *stub, size_t len, bool little_endian, bool ndr64, epm_map_reply *r)
{
    ndr_t n = ndr_make(stub, len, little_endian);
    memset(r, 0, sizeof *r);
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    ndr_context_handle(&n, handle);
    r->num_towers = ndr_u32(&n);
    /* towers: a conformant varying array of full pointers, their pointees after it */
    uint32_t max = wide(&n, ndr64);
    uint32_t offset = wide(&n, ndr64);
    uint32_t actual = wide(&n, ndr64);
    if (!ndr_ok(&n) || actual > max || offset > max - actual || actual > EPM_MAX_REPLY_TOWERS)
        return false;
    bool present[EPM_MAX_REPLY_TOWERS];
    for (uint32_t i = 0; i < actual; i++)
        present[i] = wide(&n, ndr64) != 0;
    for (uint32_t i = 0; i < actual && ndr_ok(&n); i++) {
        if (!present[i])
            continue;
        epm_tower t;
        if (!read_tower(&n, ndr64, &t))
            return false;
        if (r->ntowers < EPM_MAX_TOWERS)
            r->towers[r->ntowers++] = t;
    }
    r->status = ndr_u32(&n);
    return ndr_ok(&n);
}
