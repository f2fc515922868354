/* Kerberos: the client of a ticket from the KDC's reply (AS-REP, TGS-REP
 * over UDP and TCP), the ticket an SMB SESSION_SETUP presents (AP-REQ, raw
 * GSS-API or inside SPNEGO), cut and malformed messages. The same through
 * the whole pipeline: test_pipeline_kerberos.c. */
#include "krb_build.h"

#include "protocols/kerberos.h"

static void test_tgs_rep(void **state)
{
    static uint8_t m[5000];
    size_t n = kb_kdc_rep(m + 4, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
    krb_kdc_rep r;
    assert_true(krb_parse_kdc_rep(m + 4, n, &r)); /* UDP */
    assert_int_equal(r.msg_type, 13);
    assert_string_equal(r.crealm, "CONTOSO.LOCAL");
    assert_string_equal(r.cname, "alice");
    assert_string_equal(r.ticket.sname, "cifs/dc1.contoso.local");
    assert_string_equal(r.ticket.realm, "CONTOSO.LOCAL");
    assert_true(r.ticket.id != 0);
    uint64_t id = r.ticket.id;
    tu_le32(m, 0);
    m[0] = (uint8_t)(n >> 24);
    m[1] = (uint8_t)(n >> 16);
    m[2] = (uint8_t)(n >> 8);
    m[3] = (uint8_t)n;
    assert_true(krb_parse_kdc_rep(m, n + 4, &r)); /* TCP: record length first */
    assert_int_equal(r.ticket.id, id);
    /* a TCP reply cut after the ticket's first cipher bytes (the rest in a
     * later segment) still names the ticket the same way */
    size_t cut = 0;
    for (size_t i = 0; i + 4 <= n; i++)
        if (m[4 + i] == 0x5c && m[5 + i] == 0x5c && m[6 + i] == 0x5c && m[7 + i] == 0x5c) {
            cut = i + KRB_CIPHER_PREFIX;
            break;
        }
    assert_true(cut > 0 && cut < n);
    assert_true(krb_parse_kdc_rep(m, 4 + cut, &r));
    assert_int_equal(r.ticket.id, id);
    /* too few cipher bytes: no id, not parsed */
    assert_false(krb_parse_kdc_rep(m, 4 + cut - KRB_CIPHER_PREFIX + 8, &r));
    /* AS-REP */
    n = kb_kdc_rep(m, 0x6b, "CONTOSO.LOCAL", "bob", "dc1.contoso.local", 0x11);
    assert_true(krb_parse_kdc_rep(m, n, &r));
    assert_int_equal(r.msg_type, 11);
    assert_string_equal(r.cname, "bob");
    assert_true(r.ticket.id != id);
}

static void test_malformed(void **state)
{
    static uint8_t m[5000];
    krb_kdc_rep r;
    size_t n = kb_kdc_rep(m, 0x6d, "R", "u", "h", 0x22);
    /* every prefix parses or fails without reading past it */
    for (size_t k = 0; k < n; k++)
        (void)krb_parse_kdc_rep(m, k, &r);
    /* a length of five bytes is not DER */
    uint8_t bad[] = {0x6d, 0x85, 0, 0, 0, 0, 1, 0x30, 0};
    assert_false(krb_parse_kdc_rep(bad, sizeof bad, &r));
    /* a high tag number form */
    uint8_t hi[] = {0x7f, 0x01, 0x00};
    assert_false(krb_parse_kdc_rep(hi, sizeof hi, &r));
    /* KRB-ERROR and other applications are not replies */
    uint8_t err[] = {0x7e, 0x03, 0x30, 0x01, 0x00};
    assert_false(krb_parse_kdc_rep(err, sizeof err, &r));
    assert_false(krb_parse_kdc_rep(NULL, 0, &r));
    krb_ticket_ref t;
    assert_false(krb_find_ap_req(NULL, 0, &t));
    assert_false(krb_find_ap_req(bad, sizeof bad, &t));
}

static void test_ap_req(void **state)
{
    static uint8_t g[5000], m[5000];
    size_t n = kb_gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5c);
    krb_ticket_ref t;
    assert_true(krb_find_ap_req(g, n, &t));
    assert_string_equal(t.sname, "cifs/dc1.contoso.local");
    assert_string_equal(t.realm, "CONTOSO.LOCAL");
    /* the same ticket (same cipher) as in a reply: the same id */
    size_t rn = kb_kdc_rep(m, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
    krb_kdc_rep r;
    assert_true(krb_parse_kdc_rep(m, rn, &r));
    assert_int_equal(t.id, r.ticket.id);
    /* inside SPNEGO: mechTypes list (the OID without a token) then the token */
    static const uint8_t spnego_head[] = {0x60, 0x82, 0,    0,    0x06, 0x06, 0x2b, 0x06, 0x01, 0x05,
                                          0x05, 0x02, 0xa0, 0x0f, 0x30, 0x0d, 0xa0, 0x0b, 0x06, 0x09,
                                          0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    memcpy(m, spnego_head, sizeof spnego_head);
    memcpy(m + sizeof spnego_head, g, n);
    krb_ticket_ref t2;
    assert_true(krb_find_ap_req(m, sizeof spnego_head + n, &t2));
    assert_int_equal(t2.id, t.id);
    /* another ticket, another id */
    n = kb_gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5d);
    assert_true(krb_find_ap_req(g, n, &t2));
    assert_true(t2.id != t.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tgs_rep),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_ap_req),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
