/* NTLMSSP AUTHENTICATE inside raw and SPNEGO blobs; Kerberos detection. */
#include "smb_build.h"

#include "protocols/ntlmssp.h"

static const uint8_t spnego_oid[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t krb5_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t mskrb5_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t ntlm_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};

/* DER tag + length (long form when long_form or len > 127). */
static size_t der(uint8_t *p, uint8_t tag, size_t len, int long_form)
{
    p[0] = tag;
    if (!long_form && len < 128) {
        p[1] = (uint8_t)len;
        return 2;
    }
    p[1] = 0x82;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    return 4;
}

/* NegTokenResp [a1] { SEQ { [a2] responseToken OCTET STRING } } around tok. */
static size_t neg_token_resp(uint8_t *out, const uint8_t *tok, size_t tlen, int long_form)
{
    uint8_t inner[2048];
    size_t n = der(inner, 0x04, tlen, long_form);
    memcpy(inner + n, tok, tlen);
    n += tlen;
    uint8_t a2[2100];
    size_t m = der(a2, 0xa2, n, long_form);
    memcpy(a2 + m, inner, n);
    m += n;
    uint8_t seq[2200];
    size_t k = der(seq, 0x30, m, long_form);
    memcpy(seq + k, a2, m);
    k += m;
    size_t o = der(out, 0xa1, k, long_form);
    memcpy(out + o, seq, k);
    return o + k;
}

/* GSS-API NegTokenInit: 60 { spnego OID, [a0] { SEQ { [a0] mechTypes, [a2] mechToken } } } */
static size_t neg_token_init(uint8_t *out, const uint8_t *types, size_t types_len, const uint8_t *tok,
                             size_t tlen)
{
    uint8_t body[2048];
    size_t n = 0;
    n += der(body + n, 0xa0, types_len + 2, 0);
    n += der(body + n, 0x30, types_len, 0);
    memcpy(body + n, types, types_len);
    n += types_len;
    n += der(body + n, 0xa2, tlen + 2 + (tlen >= 128 ? 2 : 0), 0);
    n += der(body + n, 0x04, tlen, 0);
    memcpy(body + n, tok, tlen);
    n += tlen;
    uint8_t a0[2100];
    size_t m = der(a0, 0x30, n, 0);
    memcpy(a0 + m, body, n);
    m += n;
    uint8_t all[2200];
    size_t k = der(all, 0xa0, m, 0);
    memcpy(all + k, a0, m);
    k += m;
    size_t o = der(out, 0x60, k + sizeof(spnego_oid), 0);
    memcpy(out + o, spnego_oid, sizeof(spnego_oid));
    o += sizeof(spnego_oid);
    memcpy(out + o, all, k);
    return o + k;
}

static void test_raw_authenticate(void **state)
{
    uint8_t msg[512];
    size_t n = b_ntlm_auth(msg, "3B", "backdoor", "02694W-WIN10");
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_AUTHENTICATE);
    assert_string_equal(ni.user, "backdoor");
    assert_string_equal(ni.domain, "3B");
    assert_string_equal(ni.workstation, "02694W-WIN10");
    assert_int_equal(ni.anonymous, 0);
    assert_int_equal(ni.flags, 0xE2088215);
}

static void test_spnego_long_form(void **state)
{
    uint8_t msg[512], blob[1024];
    size_t n = b_ntlm_auth(msg, "CORP", "alice", "WS1");
    size_t bl = neg_token_resp(blob, msg, n, 1);
    assert_int_equal(blob[1], 0x82);
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_AUTHENTICATE);
    assert_string_equal(ni.user, "alice");
    assert_string_equal(ni.domain, "CORP");
    assert_string_equal(ni.workstation, "WS1");
}

static void test_offsets_outside(void **state)
{
    uint8_t msg[512];
    size_t n = b_ntlm_auth(msg, "CORP", "alice", "WS1");
    ntlmssp_info ni;
    /* user name offset past the end */
    tu_le32(msg + 40, (uint32_t)n - 2);
    assert_int_equal(ntlmssp_parse_message(msg, n, &ni), NTLMSSP_NONE);
    assert_string_equal(ni.user, "");
    /* offset + length overflowing 32 bits */
    tu_le32(msg + 40, 0xFFFFFFF0u);
    assert_int_equal(ntlmssp_parse_message(msg, n, &ni), NTLMSSP_NONE);
    /* message cut short inside the fixed part */
    n = b_ntlm_auth(msg, "CORP", "alice", "WS1");
    assert_int_equal(ntlmssp_parse_message(msg, 50, &ni), NTLMSSP_NONE);
    /* a SPNEGO length larger than the blob: the walk stops, no crash */
    uint8_t blob[1024];
    size_t bl = neg_token_resp(blob, msg, n, 1);
    blob[2] = 0x7F;
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_AUTHENTICATE); /* found by the scan */
    assert_int_equal(ntlmssp_parse_blob(blob, 20, &ni), NTLMSSP_NONE);
}

static void test_kerberos(void **state)
{
    uint8_t types[64];
    size_t tl = 0;
    memcpy(types + tl, mskrb5_oid, sizeof(mskrb5_oid));
    tl += sizeof(mskrb5_oid);
    memcpy(types + tl, krb5_oid, sizeof(krb5_oid));
    tl += sizeof(krb5_oid);
    /* mechToken: 60 len { krb5 OID, 01 00 (AP-REQ), 6e ... } */
    uint8_t tok[64];
    size_t k = 0;
    tok[k++] = 0x60;
    tok[k++] = (uint8_t)(sizeof(krb5_oid) + 6);
    memcpy(tok + k, krb5_oid, sizeof(krb5_oid));
    k += sizeof(krb5_oid);
    memcpy(tok + k, "\x01\x00\x6e\x02\x30\x00", 6);
    k += 6;
    uint8_t blob[512];
    size_t bl = neg_token_init(blob, types, tl, tok, k);
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_KERBEROS);
    assert_string_equal(ni.user, "");
    /* the MS OID in the token is Kerberos as well */
    memcpy(tok + 2, mskrb5_oid, sizeof(mskrb5_oid));
    bl = neg_token_init(blob, types, tl, tok, k);
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_KERBEROS);
}

static void test_ntlm_with_krb_in_mechtypes(void **state)
{
    /* the client lists Kerberos but sends NTLMSSP: not Kerberos */
    uint8_t types[64];
    size_t tl = 0;
    memcpy(types + tl, krb5_oid, sizeof(krb5_oid));
    tl += sizeof(krb5_oid);
    memcpy(types + tl, ntlm_oid, sizeof(ntlm_oid));
    tl += sizeof(ntlm_oid);
    uint8_t neg[40] = "NTLMSSP";
    tu_le32(neg + 8, 1);
    uint8_t blob[512];
    size_t bl = neg_token_init(blob, types, tl, neg, 32);
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_NEGOTIATE);
}

static void test_anonymous_and_oem(void **state)
{
    uint8_t msg[512];
    size_t n = b_ntlm_auth(msg, "", "", "");
    tu_le16(msg + 20, 0); /* no NT response */
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_message(msg, n, &ni), NTLMSSP_AUTHENTICATE);
    assert_int_equal(ni.anonymous, 1);

    /* OEM strings: NegotiateFlags without UNICODE; 0xE9 is Latin-1 e-acute */
    memset(msg, 0, sizeof(msg));
    memcpy(msg, "NTLMSSP", 8);
    tu_le32(msg + 8, 3);
    memcpy(msg + 64, "DOMjos\xE9WS", 10);
    tu_le16(msg + 28, 3);
    tu_le32(msg + 32, 64);
    tu_le16(msg + 36, 4);
    tu_le32(msg + 40, 67);
    tu_le16(msg + 44, 2);
    tu_le32(msg + 48, 71);
    tu_le32(msg + 60, 0x00000002);
    assert_int_equal(ntlmssp_parse_message(msg, 73, &ni), NTLMSSP_AUTHENTICATE);
    assert_string_equal(ni.domain, "DOM");
    assert_string_equal(ni.user, "jos\xC3\xA9");
    assert_string_equal(ni.workstation, "WS");
}

/* CHALLENGE: TargetName and the AV pairs of TargetInfo, raw and in SPNEGO. */
static void test_challenge_target(void **state)
{
    uint8_t msg[1024], blob[2048];
    size_t n = b_ntlm_challenge(msg, "PICKLESWORTH", "SNICKLEFRITZ", "PICKLESWORTH", "SnickleFritz.picklesworth.local",
                                "picklesworth.local");
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_CHALLENGE);
    assert_true(ni.have_target);
    assert_string_equal(ni.target.target_name, "PICKLESWORTH");
    assert_string_equal(ni.target.nb_computer, "SNICKLEFRITZ");
    assert_string_equal(ni.target.nb_domain, "PICKLESWORTH");
    assert_string_equal(ni.target.dns_computer, "SnickleFritz.picklesworth.local");
    assert_string_equal(ni.target.dns_domain, "picklesworth.local");
    assert_int_equal(ni.target.os_major, 0); /* VERSION all zero: not given */
    /* VERSION (NEGOTIATE_VERSION is set): Windows 7 SP1, 6.1.7601 */
    msg[48] = 6;
    msg[49] = 1;
    tu_le16(msg + 50, 7601);
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_CHALLENGE);
    assert_int_equal(ni.target.os_major, 6);
    assert_int_equal(ni.target.os_minor, 1);
    assert_int_equal(ni.target.os_build, 7601);
    tu_le32(msg + 20, 0xE08A8215); /* the flag cleared: the bytes are not a VERSION */
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_CHALLENGE);
    assert_int_equal(ni.target.os_major, 0);
    tu_le32(msg + 20, 0xE28A8215);
    size_t bl = neg_token_resp(blob, msg, n, 0);
    assert_int_equal(ntlmssp_parse_blob(blob, bl, &ni), NTLMSSP_CHALLENGE);
    assert_string_equal(ni.target.dns_computer, "SnickleFritz.picklesworth.local");

    /* a pair whose length runs past the TargetInfo: the pairs before it are
     * kept, it and what follows are not */
    n = b_ntlm_challenge(msg, "D", "SRV", NULL, "srv.d.lan", NULL);
    size_t ti_off = 56 + 2;
    /* second pair (DnsComputerName) starts after the first's 4 + 6 bytes */
    tu_le16(msg + ti_off + 10 + 2, 0x7fff);
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_CHALLENGE);
    assert_string_equal(ni.target.nb_computer, "SRV");
    assert_string_equal(ni.target.dns_computer, "");

    /* TargetInfo pointing outside the message: no names from it, still a CHALLENGE */
    n = b_ntlm_challenge(msg, "D", "SRV", NULL, NULL, NULL);
    tu_le32(msg + 44, 5000);
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_CHALLENGE);
    assert_string_equal(ni.target.target_name, "D");
    assert_string_equal(ni.target.nb_computer, "");

    /* a message too short for its TargetInfo fields: the kind, no names */
    assert_int_equal(ntlmssp_parse_blob(msg, 30, &ni), NTLMSSP_CHALLENGE);
    assert_false(ni.have_target);
}

/* AUTHENTICATE with an NTLMv2 response: the target info the client echoes. */
static void test_authenticate_v2_target(void **state)
{
    uint8_t msg[1024];
    size_t n = b_ntlm_auth_v2(msg, "", "administrator", "WS", "DC_ATLAS", "ATLAS", "DC_ATLAS.atlas.lab");
    ntlmssp_info ni;
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_AUTHENTICATE);
    assert_string_equal(ni.user, "administrator");
    assert_string_equal(ni.domain, "");
    assert_true(ni.have_target);
    assert_string_equal(ni.target.nb_computer, "DC_ATLAS");
    assert_string_equal(ni.target.nb_domain, "ATLAS");
    assert_string_equal(ni.target.dns_computer, "DC_ATLAS.atlas.lab");
    assert_string_equal(ni.target.target_name, "");
    /* an NTLMv1 response (24 bytes) carries no names */
    n = b_ntlm_auth(msg, "3B", "backdoor", "WS");
    assert_int_equal(ntlmssp_parse_blob(msg, n, &ni), NTLMSSP_AUTHENTICATE);
    assert_false(ni.have_target);
    assert_string_equal(ni.target.dns_computer, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_authenticate),
        cmocka_unit_test(test_spnego_long_form),
        cmocka_unit_test(test_offsets_outside),
        cmocka_unit_test(test_kerberos),
        cmocka_unit_test(test_ntlm_with_krb_in_mechtypes),
        cmocka_unit_test(test_anonymous_and_oem),
        cmocka_unit_test(test_challenge_target),
        cmocka_unit_test(test_authenticate_v2_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
