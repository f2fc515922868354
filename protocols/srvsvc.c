/* MS-SRVS NetrShareEnum / NetrShareGetInfo replies (srvsvc.h). */
#include "srvsvc.h"

#include <string.h>

#include "ndr.h"

bool srvsvc_is_known(uint16_t opnum)
{
    return opnum == SRVSVC_OP_NETR_SHARE_ENUM || opnum == SRVSVC_OP_NETR_SHARE_GET_INFO;
}

/* The pointers of one SHARE_INFO_x in the order of its fields (MS-SRVS
 * 2.2.4.22-2.2.4.27); the DWORDs between them are skipped. */
enum { P_NAME, P_REMARK, P_PATH, P_PASSWD, P_SERVER, P_SD, P_MAX };

typedef struct fixed_part {
    uint32_t ref[P_MAX]; /* referent ids, 0 for NULL or absent */
    uint32_t type;
} fixed_part;

static bool level_known(uint32_t level)
{
    return level == 0 || level == 1 || level == 2 || level == 501 || level == 502 || level == 503;
}

static void read_fixed(ndr_t *n, uint32_t level, fixed_part *f)
{
    memset(f, 0, sizeof *f);
    f->ref[P_NAME] = ndr_unique_ptr(n);
    if (level == 0)
        return;
    f->type = ndr_u32(n);
    f->ref[P_REMARK] = ndr_unique_ptr(n);
    if (level == 1)
        return;
    if (level == 501) {
        (void)ndr_u32(n); /* shi501_flags */
        return;
    }
    (void)ndr_u32(n); /* permissions */
    (void)ndr_u32(n); /* max_uses */
    (void)ndr_u32(n); /* current_uses */
    f->ref[P_PATH] = ndr_unique_ptr(n);
    f->ref[P_PASSWD] = ndr_unique_ptr(n);
    if (level == 2)
        return;
    if (level == 503)
        f->ref[P_SERVER] = ndr_unique_ptr(n);
    (void)ndr_u32(n); /* reserved: the security descriptor's length */
    f->ref[P_SD] = ndr_unique_ptr(n);
}

/* A string pointee into out (cap bytes); *whole false when it might have
 * been cut (each UTF-16 unit is at most 3 bytes of UTF-8). */
static void read_string(ndr_t *n, char *out, size_t cap, bool *whole)
{
    uint32_t count = 0;
    ndr_string_utf16(n, out, cap, &count);
    *whole = (uint64_t)count * 3 + 1 <= cap;
}

/* The pointees of one share, in field order; kept into s when s is not NULL. */
static void read_deferred(ndr_t *n, uint32_t level, const fixed_part *f, srvsvc_share *s, bool *keep)
{
    char scratch[8];
    bool whole = true;
    *keep = f->ref[P_NAME] != 0;
    if (f->ref[P_NAME]) {
        read_string(n, s ? s->name : scratch, s ? sizeof s->name : 0, &whole);
        *keep = whole && (!s || s->name[0]);
    }
    if (f->ref[P_REMARK])
        read_string(n, scratch, 0, &whole);
    if (s) {
        s->type = f->type;
        /* levels 2, 502, 503 carry a path; a NULL one is an empty path */
        s->have_path = level == 2 || level == 502 || level == 503;
        s->path[0] = '\0';
    }
    if (f->ref[P_PATH]) {
        read_string(n, s ? s->path : scratch, s ? sizeof s->path : 0, &whole);
        if (s && !whole)
            s->have_path = false;
    }
    if (f->ref[P_PASSWD])
        read_string(n, scratch, 0, &whole);
    if (f->ref[P_SERVER])
        read_string(n, scratch, 0, &whole);
    if (f->ref[P_SD]) {
        uint32_t sdlen;
        (void)ndr_conformant_bytes(n, &sdlen);
    }
}

/* One share's fixed part at *n and its pointees after it (GetInfo). */
static void one_share(ndr_t *n, uint32_t level, srvsvc_reply *out)
{
    fixed_part f;
    read_fixed(n, level, &f);
    bool keep;
    srvsvc_share *s = &out->shares[0];
    read_deferred(n, level, &f, s, &keep);
    out->entries = 1;
    out->n = ndr_ok(n) && keep ? 1 : 0;
}

/* A conformant array of entries: the fixed parts, then every entry's
 * pointees in order. A second cursor walks the fixed parts again beside the
 * pointees, so nothing per entry is held whatever the count. */
static void share_array(ndr_t *n, uint32_t level, uint32_t entries, srvsvc_reply *out)
{
    uint32_t max = ndr_u32(n);
    if (!ndr_ok(n) || max < entries || entries > ndr_left(n) / 4) {
        ndr_fail(n);
        return;
    }
    ndr_t fixed = *n;
    fixed_part f;
    for (uint32_t i = 0; i < entries && ndr_ok(n); i++)
        read_fixed(n, level, &f);
    for (uint32_t i = 0; i < entries && ndr_ok(n) && ndr_ok(&fixed); i++) {
        read_fixed(&fixed, level, &f);
        srvsvc_share *s = out->n < SRVSVC_MAX_SHARES ? &out->shares[out->n] : NULL;
        bool keep;
        read_deferred(n, level, &f, s, &keep);
        if (s && keep && ndr_ok(n))
            out->n++;
    }
}

bool srvsvc_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, srvsvc_reply *out)
{
    out->level = 0;
    out->entries = 0;
    out->n = 0;
    out->return_code = 0xffffffffu;
    if (!stub || !srvsvc_is_known(opnum))
        return false;
    ndr_t n = ndr_make(stub, len, little_endian);
    if (opnum == SRVSVC_OP_NETR_SHARE_ENUM) {
        /* [in, out] LPSHARE_ENUM_STRUCT InfoStruct: Level, then the union
         * (its discriminant, a pointer to the container), [out] DWORD*
         * TotalEntries, [in, out, unique] DWORD* ResumeHandle, the status */
        out->level = ndr_u32(&n);
        uint32_t arm = ndr_u32(&n);
        if (!ndr_ok(&n) || arm != out->level || !level_known(out->level))
            return false;
        if (ndr_unique_ptr(&n)) {
            out->entries = ndr_u32(&n);
            if (ndr_unique_ptr(&n))
                share_array(&n, out->level, out->entries, out);
        }
        (void)ndr_u32(&n); /* TotalEntries */
        if (ndr_unique_ptr(&n))
            (void)ndr_u32(&n);
    } else {
        /* [out, switch_is(Level)] LPSHARE_INFO InfoStruct: the discriminant,
         * a pointer to the SHARE_INFO_x, then the status */
        out->level = ndr_u32(&n);
        if (!ndr_ok(&n) || !level_known(out->level))
            return false;
        if (ndr_unique_ptr(&n))
            one_share(&n, out->level, out);
    }
    out->return_code = ndr_u32(&n);
    if (!ndr_ok(&n)) {
        out->n = 0;
        return false;
    }
    return true;
}
