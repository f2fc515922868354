/* Hand-built SMB wire messages for the SMB unit tests (MS-SMB2 2.2, RFC 1002). */
#ifndef PW_SMB_BUILD_H
#define PW_SMB_BUILD_H

#include <stdbool.h>
#include <string.h>

#include "protocols/smb_conn.h"
#include "testutil.h"

/* 4-byte NBSS session message header + msg into out. */
static inline size_t b_nbss(uint8_t *out, const uint8_t *msg, size_t len)
{
    memmove(out + 4, msg, len); /* first: out may be msg itself */
    out[0] = 0;
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return len + 4;
}

typedef struct b_hdr {
    uint16_t cmd;
    uint32_t flags;
    uint32_t status;
    uint64_t mid;
    uint64_t sid;
    uint32_t tid;
    uint32_t next;
    uint64_t async_id;
} b_hdr;

static inline size_t b_smb2_hdr(uint8_t *p, const b_hdr *h)
{
    memset(p, 0, 64);
    memcpy(p, "\xFESMB", 4);
    tu_le16(p + 4, 64);
    tu_le32(p + 8, h->status);
    tu_le16(p + 12, h->cmd);
    tu_le16(p + 14, 1);
    tu_le32(p + 16, h->flags);
    tu_le32(p + 20, h->next);
    tu_le64(p + 24, h->mid);
    if (h->flags & 2) {
        tu_le64(p + 32, h->async_id);
    } else {
        tu_le32(p + 36, h->tid);
    }
    tu_le64(p + 40, h->sid);
    return 64;
}

#define RSP 1u

/* NEGOTIATE request offering n dialects. */
static inline size_t b_negotiate_req(uint8_t *p, const b_hdr *h, const uint16_t *dialects, size_t n)
{
    size_t o = b_smb2_hdr(p, h);
    memset(p + o, 0, 36);
    tu_le16(p + o, 36);
    tu_le16(p + o + 2, (uint16_t)n);
    for (size_t i = 0; i < n; i++)
        tu_le16(p + o + 36 + 2 * i, dialects[i]);
    return o + 36 + 2 * n;
}

/* NEGOTIATE response choosing dialect (no security buffer). */
static inline size_t b_negotiate_rsp(uint8_t *p, const b_hdr *h, uint16_t dialect)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 64);
    tu_le16(p + n, 65);
    tu_le16(p + n + 4, dialect);
    return n + 64;
}

/* TREE_CONNECT request with path (ASCII) at PathOffset 72. */
static inline size_t b_tree_req(uint8_t *p, const b_hdr *h, const char *path)
{
    size_t n = b_smb2_hdr(p, h);
    tu_le16(p + n, 9);
    tu_le16(p + n + 2, 0);
    size_t plen = tu_utf16(p + 72, path);
    tu_le16(p + n + 4, 72);
    tu_le16(p + n + 6, (uint16_t)plen);
    return 72 + plen;
}

static inline size_t b_tree_rsp(uint8_t *p, const b_hdr *h, uint8_t share_type)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 16);
    tu_le16(p + n, 16);
    p[n + 2] = share_type;
    tu_le32(p + n + 12, 0x001f01ff);
    return n + 16;
}

/* Error response body (StructureSize 9). */
static inline size_t b_error_rsp(uint8_t *p, const b_hdr *h)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 9);
    tu_le16(p + n, 9);
    return n + 9;
}

typedef struct b_create {
    uint32_t access, attrs, share, disp, options;
    const char *name;
} b_create;

static inline size_t b_create_req(uint8_t *p, const b_hdr *h, const b_create *c)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 56);
    tu_le16(p + n, 57);
    tu_le32(p + n + 4, 2); /* impersonation */
    tu_le32(p + n + 24, c->access);
    tu_le32(p + n + 28, c->attrs);
    tu_le32(p + n + 32, c->share);
    tu_le32(p + n + 36, c->disp);
    tu_le32(p + n + 40, c->options);
    size_t nl = tu_utf16(p + 120, c->name);
    tu_le16(p + n + 44, 120);
    tu_le16(p + n + 46, (uint16_t)nl);
    size_t end = 120 + nl;
    if (nl == 0)
        p[end++] = 0; /* the Buffer is never empty */
    return end;
}

static inline size_t b_create_rsp(uint8_t *p, const b_hdr *h, uint32_t action, uint64_t persistent,
                                  uint64_t volatile_id)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 88);
    tu_le16(p + n, 89);
    tu_le32(p + n + 4, action);
    tu_le64(p + n + 64, persistent);
    tu_le64(p + n + 72, volatile_id);
    return n + 88;
}

static inline size_t b_close_req(uint8_t *p, const b_hdr *h, uint64_t persistent, uint64_t volatile_id)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 24);
    tu_le16(p + n, 24);
    tu_le64(p + n + 8, persistent);
    tu_le64(p + n + 16, volatile_id);
    return n + 24;
}

static inline size_t b_close_rsp(uint8_t *p, const b_hdr *h)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 60);
    tu_le16(p + n, 60);
    return n + 60;
}

/* Requests/responses with a 4-byte body (TREE_DISCONNECT, LOGOFF). */
static inline size_t b_small(uint8_t *p, const b_hdr *h)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 4);
    tu_le16(p + n, 4);
    return n + 4;
}

/* WRITE request carrying data (DataOffset 112). */
static inline size_t b_write_req(uint8_t *p, const b_hdr *h, uint64_t persistent, uint64_t volatile_id,
                                 const uint8_t *data, size_t dlen)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 48);
    tu_le16(p + n, 49);
    tu_le16(p + n + 2, 112);
    tu_le32(p + n + 4, (uint32_t)dlen);
    tu_le64(p + n + 16, persistent);
    tu_le64(p + n + 24, volatile_id);
    if (data)
        memcpy(p + 112, data, dlen);
    return 112 + dlen;
}

/* READ request of 4280 bytes from the file (persistent, volatile_id). */
static inline size_t b_read_req(uint8_t *p, const b_hdr *h, uint64_t persistent, uint64_t volatile_id)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 49);
    tu_le16(p + n, 49);
    tu_le32(p + n + 4, 4280);
    tu_le64(p + n + 16, persistent);
    tu_le64(p + n + 24, volatile_id);
    return n + 49;
}

/* READ response carrying data (DataOffset 80). */
static inline size_t b_read_rsp(uint8_t *p, const b_hdr *h, const uint8_t *data, size_t dlen)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 16);
    tu_le16(p + n, 17);
    p[n + 2] = 80;
    tu_le32(p + n + 4, (uint32_t)dlen);
    memcpy(p + 80, data, dlen);
    return 80 + dlen;
}

/* IOCTL FSCTL_PIPE_TRANSCEIVE request or response carrying data at offset 120. */
static inline size_t b_ioctl(uint8_t *p, const b_hdr *h, bool rsp, uint64_t persistent, uint64_t volatile_id,
                             const uint8_t *data, size_t dlen)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 56);
    tu_le16(p + n, rsp ? 49 : 57);
    tu_le32(p + n + 4, 0x0011C017);
    tu_le64(p + n + 8, persistent);
    tu_le64(p + n + 16, volatile_id);
    /* InputOffset, InputCount at 24; the response's OutputOffset, OutputCount follow */
    tu_le32(p + n + 24, 120);
    tu_le32(p + n + 28, rsp ? 0 : (uint32_t)dlen);
    if (rsp) {
        tu_le32(p + n + 32, 120);
        tu_le32(p + n + 36, (uint32_t)dlen);
    }
    memcpy(p + 120, data, dlen);
    return 120 + dlen;
}

/* Minimal NTLMSSP AUTHENTICATE (Unicode) with the three names; returns its length. */
static inline size_t b_ntlm_auth(uint8_t *p, const char *domain, const char *user, const char *ws)
{
    memset(p, 0, 72);
    memcpy(p, "NTLMSSP", 8);
    tu_le32(p + 8, 3);
    size_t off = 72;
    /* NtChallengeResponse: 24 bytes of zeros so the logon is not anonymous */
    tu_le16(p + 20, 24);
    tu_le16(p + 22, 24);
    tu_le32(p + 24, (uint32_t)off);
    memset(p + off, 0x11, 24);
    off += 24;
    const char *names[3] = {domain, user, ws};
    for (int i = 0; i < 3; i++) {
        size_t l = tu_utf16(p + off, names[i]);
        tu_le16(p + 28 + 8 * i, (uint16_t)l);
        tu_le16(p + 30 + 8 * i, (uint16_t)l);
        tu_le32(p + 32 + 8 * i, (uint32_t)off);
        off += l;
    }
    tu_le32(p + 60, 0xE2088215); /* NegotiateFlags with UNICODE */
    return off;
}

/* AV pairs (MS-NLMP 2.2.2.1) for the names given (NULL: left out), then MsvAvEOL. */
static inline size_t b_av_pairs(uint8_t *p, const char *nb_computer, const char *nb_domain, const char *dns_computer,
                                const char *dns_domain)
{
    const char *v[4] = {nb_computer, nb_domain, dns_computer, dns_domain};
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        if (!v[i])
            continue;
        size_t l = tu_utf16(p + off + 4, v[i]);
        tu_le16(p + off, (uint16_t)(i + 1));
        tu_le16(p + off + 2, (uint16_t)l);
        off += 4 + l;
    }
    tu_le32(p + off, 0); /* MsvAvEOL, length 0 */
    return off + 4;
}

/* NTLMSSP CHALLENGE: TargetName (UTF-16) and a TargetInfo of the names given. */
static inline size_t b_ntlm_challenge(uint8_t *p, const char *target, const char *nb_computer, const char *nb_domain,
                                      const char *dns_computer, const char *dns_domain)
{
    memset(p, 0, 56);
    memcpy(p, "NTLMSSP", 8);
    tu_le32(p + 8, 2);
    size_t off = 56;
    size_t tl = tu_utf16(p + off, target);
    tu_le16(p + 12, (uint16_t)tl);
    tu_le16(p + 14, (uint16_t)tl);
    tu_le32(p + 16, (uint32_t)off);
    off += tl;
    tu_le32(p + 20, 0xE28A8215); /* NegotiateFlags with UNICODE and TARGET_INFO */
    memset(p + 24, 0x5a, 8);     /* ServerChallenge */
    size_t il = b_av_pairs(p + off, nb_computer, nb_domain, dns_computer, dns_domain);
    tu_le16(p + 40, (uint16_t)il);
    tu_le16(p + 42, (uint16_t)il);
    tu_le32(p + 44, (uint32_t)off);
    return off + il;
}

/* NTLMSSP AUTHENTICATE with an NTLMv2 response whose client challenge holds
 * the AV pairs given (the CHALLENGE's target info, as a client echoes it). */
static inline size_t b_ntlm_auth_v2(uint8_t *p, const char *domain, const char *user, const char *ws,
                                    const char *nb_computer, const char *nb_domain, const char *dns_computer)
{
    memset(p, 0, 72);
    memcpy(p, "NTLMSSP", 8);
    tu_le32(p + 8, 3);
    size_t off = 72;
    uint8_t *nt = p + off;
    memset(nt, 0x33, 16); /* NTProofStr */
    memset(nt + 16, 0, 28);
    nt[16] = 1; /* RespType */
    nt[17] = 1; /* HiRespType */
    memset(nt + 32, 0x44, 8); /* ChallengeFromClient */
    size_t ntl = 44 + b_av_pairs(nt + 44, nb_computer, nb_domain, dns_computer, NULL) + 4;
    tu_le16(p + 20, (uint16_t)ntl);
    tu_le16(p + 22, (uint16_t)ntl);
    tu_le32(p + 24, (uint32_t)off);
    off += ntl;
    const char *names[3] = {domain, user, ws};
    for (int i = 0; i < 3; i++) {
        size_t l = tu_utf16(p + off, names[i]);
        tu_le16(p + 28 + 8 * i, (uint16_t)l);
        tu_le16(p + 30 + 8 * i, (uint16_t)l);
        tu_le32(p + 32 + 8 * i, (uint32_t)off);
        off += l;
    }
    tu_le32(p + 60, 0xE2088215);
    return off;
}

/* SESSION_SETUP response carrying a security blob (a CHALLENGE with
 * STATUS_MORE_PROCESSING_REQUIRED in h). */
static inline size_t b_sess_rsp_blob(uint8_t *p, const b_hdr *h, const uint8_t *blob, size_t blen)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 8);
    tu_le16(p + n, 9);
    tu_le16(p + n + 4, 72);
    tu_le16(p + n + 6, (uint16_t)blen);
    memcpy(p + 72, blob, blen);
    return 72 + blen;
}

/* SESSION_SETUP request with a security blob at offset 88. */
static inline size_t b_sess_req(uint8_t *p, const b_hdr *h, const uint8_t *blob, size_t blen)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 24);
    tu_le16(p + n, 25);
    tu_le16(p + n + 12, 88);
    tu_le16(p + n + 14, (uint16_t)blen);
    memcpy(p + 88, blob, blen);
    return 88 + blen;
}

static inline size_t b_sess_rsp(uint8_t *p, const b_hdr *h, uint16_t session_flags)
{
    size_t n = b_smb2_hdr(p, h);
    memset(p + n, 0, 8);
    tu_le16(p + n, 9);
    tu_le16(p + n + 2, session_flags);
    tu_le16(p + n + 4, 72);
    tu_le16(p + n + 6, 0);
    return n + 8;
}

/* Facts copied out of the callback. */
typedef struct cap_fact {
    smb_fact f;
    char share[1100], filename[1100], user[300], domain[300], ws[300];
    char svc[1100], svc_display[1100], svc_bin[1100];
    char server_dns[300], server_nb[300], server_target[300], server_nb_domain[300];
    bool share_null, filename_null, user_null, domain_null;
    int share_type; /* of the fact's share, -1 for a kind without one */
} cap_fact;

/* A DCE/RPC call fact (SMB_FACT_RPC), kept apart so that the tests of SMB
 * operations count only theirs. */
typedef struct cap_rpc {
    smb_fact f;
    char interface[64], operation[64], uuid[40], object[1100], binary_path[1100];
} cap_rpc;

typedef struct capture {
    int n;
    cap_fact facts[32];
    int nrpc;
    cap_rpc rpc[16];
} capture;

static inline void cap_str(char *dst, size_t cap, const char *s, bool *was_null)
{
    if (was_null)
        *was_null = s == NULL;
    snprintf(dst, cap, "%s", s ? s : "");
}

static inline void cap_sink(void *ctx, const smb_fact *f)
{
    capture *c = ctx;
    if (f->h.kind == SMB_FACT_RPC) {
        if (c->nrpc >= 16)
            return;
        cap_rpc *r = &c->rpc[c->nrpc++];
        r->f = *f;
        cap_str(r->interface, sizeof r->interface, f->u.rpc.interface, NULL);
        cap_str(r->operation, sizeof r->operation, f->u.rpc.operation, NULL);
        cap_str(r->uuid, sizeof r->uuid, f->u.rpc.uuid, NULL);
        cap_str(r->object, sizeof r->object, f->u.rpc.object, NULL);
        cap_str(r->binary_path, sizeof r->binary_path, f->u.rpc.binary_path, NULL);
        return;
    }
    if (c->n >= 32)
        return;
    cap_fact *cf = &c->facts[c->n++];
    cf->f = *f;
    const smb_fact_tree *t = smb_fact_tree_of(f);
    const smb_fact_file *file = smb_fact_file_of(f);
    cf->share_type = t ? (int)t->share_type : -1;
    cap_str(cf->share, sizeof(cf->share), t ? t->share : NULL, &cf->share_null);
    cap_str(cf->filename, sizeof(cf->filename), file ? file->filename : NULL, &cf->filename_null);
    cap_str(cf->user, sizeof(cf->user), f->h.who.user, &cf->user_null);
    cap_str(cf->domain, sizeof(cf->domain), f->h.who.domain, &cf->domain_null);
    cap_str(cf->ws, sizeof(cf->ws), f->h.who.workstation, NULL);
    cap_str(cf->server_dns, sizeof(cf->server_dns), f->h.server.dns_computer, NULL);
    cap_str(cf->server_nb, sizeof(cf->server_nb), f->h.server.nb_computer, NULL);
    cap_str(cf->server_target, sizeof(cf->server_target), f->h.server.target_name, NULL);
    cap_str(cf->server_nb_domain, sizeof(cf->server_nb_domain), f->h.server.nb_domain, NULL);
    bool svc = f->h.kind == SMB_FACT_SERVICE;
    bool task = f->h.kind == SMB_FACT_TASK;
    /* a task's name and definition (or command) go where a service's name and path go */
    cap_str(cf->svc, sizeof(cf->svc), svc ? f->u.service.name : task ? f->u.task.name : NULL, NULL);
    cap_str(cf->svc_display, sizeof(cf->svc_display), svc ? f->u.service.display_name : NULL, NULL);
    const char *tdef = task ? (f->u.task.xml ? f->u.task.xml : f->u.task.command) : NULL;
    cap_str(cf->svc_bin, sizeof(cf->svc_bin), svc ? f->u.service.binary_path : tdef, NULL);
}

#endif
