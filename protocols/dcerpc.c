#include "dcerpc.h"

#include <string.h>

#include "reader.h"
#include "utf16.h"

/* 367abb81-9844-35f1-ad32-98f038001003 as it appears on the wire (little-endian fields) */
static const uint8_t svcctl_uuid[16] = {0x81, 0xbb, 0x7a, 0x36, 0x44, 0x98, 0xf1, 0x35,
                                        0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03};

#define RPC_PTYPE_REQUEST 0
#define RPC_PTYPE_BIND 11
#define RPC_PTYPE_ALTER_CONTEXT 14
#define RPC_PFC_OBJECT_UUID 0x80
#define RPC_STATE_SVCCTL 1

/* Common header: returns the PDU type, or -1 when this is not a little-endian
 * version 5 PDU that fits in len. *frag gets the fragment length. */
static int rpc_header(rd_t *r, uint8_t *flags, uint16_t *frag, uint16_t *auth_len)
{
    uint8_t vers = rd_u8(r);
    uint8_t minor = rd_u8(r);
    uint8_t ptype = rd_u8(r);
    *flags = rd_u8(r);
    uint8_t drep0 = rd_u8(r);
    rd_skip(r, 3);
    *frag = rd_le16(r);
    *auth_len = rd_le16(r);
    rd_skip(r, 4);
    if (!rd_ok(r) || vers != 5 || minor > 1 || (drep0 & 0xF0) != 0x10 || *frag < 16 || *frag > r->len)
        return -1;
    return ptype;
}

int dcerpc_bind_is_svcctl(const uint8_t *p, size_t len)
{
    rd_t r = rd_make(p, len);
    uint8_t flags;
    uint16_t frag, auth_len;
    int t = rpc_header(&r, &flags, &frag, &auth_len);
    if (t != RPC_PTYPE_BIND && t != RPC_PTYPE_ALTER_CONTEXT)
        return 0;
    r.len = frag;
    rd_skip(&r, 8);
    uint8_t n = rd_u8(&r);
    rd_skip(&r, 3);
    for (unsigned i = 0; i < n && rd_ok(&r); i++) {
        rd_skip(&r, 2);
        uint8_t ntrans = rd_u8(&r);
        rd_skip(&r, 1);
        const uint8_t *uuid = rd_bytes(&r, 16);
        rd_skip(&r, 4 + (size_t)ntrans * 20);
        if (rd_ok(&r) && memcmp(uuid, svcctl_uuid, 16) == 0)
            return 1;
    }
    return 0;
}

static void ndr_align4(rd_t *r)
{
    size_t pad = (4 - (r->off & 3)) & 3;
    rd_skip(r, pad);
}

/* A conformant varying string ([string] wchar_t* or char*). */
static void ndr_string(rd_t *r, int wide, char *out, size_t outcap)
{
    out[0] = '\0';
    ndr_align4(r);
    uint32_t max = rd_le32(r);
    (void)rd_le32(r); /* offset, always 0 */
    uint32_t actual = rd_le32(r);
    if (!rd_ok(r) || actual > max) {
        r->err = true;
        return;
    }
    size_t unit = wide ? 2 : 1;
    if (actual > rd_left(r) / unit) {
        r->err = true;
        return;
    }
    const uint8_t *s = rd_bytes(r, (size_t)actual * unit);
    if (wide)
        utf16_to_utf8(s, (size_t)actual * 2, out, outcap);
    else
        oem_to_utf8(s, actual, out, outcap);
}

static uint32_t ndr_ptr(rd_t *r)
{
    ndr_align4(r);
    return rd_le32(r);
}

static int svcctl_is_create(uint16_t opnum)
{
    return opnum == DCERPC_SVCCTL_CREATE_SERVICE_W || opnum == DCERPC_SVCCTL_CREATE_SERVICE_A ||
           opnum == DCERPC_SVCCTL_CREATE_SERVICE_WOW64_W || opnum == DCERPC_SVCCTL_CREATE_SERVICE_WOW64_A;
}

int svcctl_parse_create_service(const uint8_t *stub, size_t len, uint16_t opnum, svcctl_create *out)
{
    memset(out, 0, sizeof(*out));
    if (!svcctl_is_create(opnum))
        return 0;
    int wide = opnum == DCERPC_SVCCTL_CREATE_SERVICE_W || opnum == DCERPC_SVCCTL_CREATE_SERVICE_WOW64_W;
    out->opnum = opnum;
    rd_t r = rd_make(stub, len);
    rd_skip(&r, 20); /* hSCManager */
    ndr_string(&r, wide, out->service_name, sizeof(out->service_name));
    if (ndr_ptr(&r))
        ndr_string(&r, wide, out->display_name, sizeof(out->display_name));
    ndr_align4(&r);
    out->desired_access = rd_le32(&r);
    out->service_type = rd_le32(&r);
    out->start_type = rd_le32(&r);
    (void)rd_le32(&r); /* dwErrorControl */
    ndr_string(&r, wide, out->binary_path, sizeof(out->binary_path));
    if (!rd_ok(&r))
        return 0;
    /* the rest only tells whether an account was given; stop quietly when short */
    if (ndr_ptr(&r)) {
        char scratch[64];
        ndr_string(&r, wide, scratch, sizeof(scratch)); /* lpLoadOrderGroup */
    }
    if (ndr_ptr(&r))
        (void)rd_le32(&r); /* lpdwTagId */
    if (ndr_ptr(&r)) {     /* lpDependencies: conformant byte array */
        uint32_t n = rd_le32(&r);
        rd_skip(&r, n);
    }
    (void)ndr_ptr(&r); /* dwDependSize */
    uint32_t account = ndr_ptr(&r);
    if (rd_ok(&r))
        out->account_present = account != 0;
    return 1;
}

void dcerpc_pipe_write(smb_conn *c, smb_file *fe, uint64_t message_id, uint64_t session_id, uint32_t tree_id,
                       uint8_t version, uint16_t command, const uint8_t *data, size_t len)
{
    rd_t r = rd_make(data, len);
    uint8_t flags;
    uint16_t frag, auth_len;
    int t = rpc_header(&r, &flags, &frag, &auth_len);
    if (t == RPC_PTYPE_BIND || t == RPC_PTYPE_ALTER_CONTEXT) {
        if (dcerpc_bind_is_svcctl(data, len))
            fe->rpc_state = RPC_STATE_SVCCTL;
        return;
    }
    if (t != RPC_PTYPE_REQUEST || fe->rpc_state != RPC_STATE_SVCCTL)
        return;
    r.len = frag;
    rd_skip(&r, 6); /* alloc_hint, p_cont_id */
    uint16_t opnum = rd_le16(&r);
    if (flags & RPC_PFC_OBJECT_UUID)
        rd_skip(&r, 16);
    if (!rd_ok(&r) || !svcctl_is_create(opnum))
        return;
    size_t stub_end = frag;
    if (auth_len) {
        if ((size_t)auth_len + 8 > frag - r.off)
            return;
        stub_end = frag - auth_len - 8;
    }
    svcctl_create sc;
    if (!svcctl_parse_create_service(data + r.off, stub_end - r.off, opnum, &sc)) {
        c->st.malformed++;
        return;
    }
    smb_fact f;
    smb_fact_init(c, &f, SMB_FACT_SERVICE_CREATE, version, command);
    f.have_request = true;
    f.message_id = message_id;
    f.session_id = session_id;
    f.tree_id = tree_id;
    memcpy(f.file_id, fe->fid, 16);
    f.have_file_id = true;
    f.filename = fe->name;
    f.service_name = sc.service_name;
    f.service_display_name = sc.display_name[0] ? sc.display_name : NULL;
    f.service_binary = sc.binary_path;
    f.service_type = sc.service_type;
    f.service_start_type = sc.start_type;
    f.service_account_present = (uint32_t)sc.account_present;
    f.desired_access = sc.desired_access;
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
}
