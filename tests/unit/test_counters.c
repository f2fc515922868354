/* The counters table: the sum over workers and the stats members generated
 * from it, and the event id and dialect slots. */
#include "testutil.h"

#include "detect/winevent_families.h"
#include "sensor/counters.h"

static void test_add(void **state)
{
    pw_counters a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.packets = 3;
    b.packets = 4;
    a.records_truncated = 1;
    b.smb_by_dialect[pw_dialect_slot(0x0311)] = 2;
    b.events_winlog[pw_winlog_slot(5140)] = 5;
    b.alerts = 9;
    pw_counters_add(&a, &b);
    pw_counters_add(&a, &b);
    assert_int_equal(a.packets, 11);
    assert_int_equal(a.records_truncated, 1);
    assert_int_equal(a.smb_by_dialect[6], 4);
    assert_int_equal(pw_winlog_count(&a, 5140), 10);
    assert_int_equal(pw_winlog_count(&a, 5145), 0);
    assert_int_equal(pw_winlog_count(&a, 4624), 0);
    assert_int_equal(a.alerts, 18);
}

static void test_slots(void **state)
{
    assert_int_equal(pw_winlog_slot(5145), 0);
    assert_int_equal(pw_winlog_slot(5140), 1);
    assert_int_equal(pw_winlog_slot(7045), 2);
    assert_int_equal(pw_winlog_slot(4698), 5);
    assert_int_equal(pw_winlog_slot(4624), -1);
    assert_int_equal(pw_winlog_slot(0), -1);
    /* every event the families write as a winlog record is counted by id;
     * the rules-only ones (no Windows event) are not */
    size_t n;
    const win_event_def *const *defs = winevent_defs(&n);
    assert_true(n >= 6);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pw_winlog_slot(defs[i]->event_id) >= 0, !defs[i]->family->rules_only);
    assert_int_equal(pw_dialect_slot(0x0001), 1);
    assert_int_equal(pw_dialect_slot(0x0202), 2);
    assert_int_equal(pw_dialect_slot(0x02ff), 0);
    assert_int_equal(pw_dialect_slot(0x0000), 0);
    assert_string_equal(pw_dialect_keys[1], "NT LM 0.12");
    assert_string_equal(pw_dialect_names[1], "SMB1");
    assert_string_equal(pw_winlog_keys[0], "winlog_5145");
}

static void test_json(void **state)
{
    static char buf[8192];
    pw_counters c;
    memset(&c, 0, sizeof c);
    c.packets = 72;
    c.kernel_ifdrops = 1;
    c.ipv6_frags = 2;
    c.flows = 3;
    c.smb_pdu_memcap_drops = 4;
    c.smb_by_dialect[0] = 5;
    c.smb_by_dialect[6] = 6;
    c.events_smb = 7;
    c.events_winlog[0] = 8;
    c.rule_matches_max_exceeded = 9;
    jbuf j;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    pw_counters_json(&j, &c);
    jb_close_object(&j);
    const char *want =
        "{\"capture\":{\"packets\":72,\"bytes\":0,\"kernel_packets\":0,\"kernel_drops\":0,\"kernel_ifdrops\":1},"
        "\"decoder\":{\"not_ip\":0,\"truncated\":0,\"malformed\":0,\"unsupported_linktype\":0,"
        "\"ipv4_frags_reassembled\":0,\"ipv4_frags_dropped\":0,\"ipv6_frags_skipped\":2},"
        "\"flow\":{\"total\":3,\"smb\":0,\"midstream\":0,\"timed_out\":0,\"evicted\":0,\"memcap_drops\":0},"
        "\"tcp\":{\"segments\":0,\"out_of_order\":0,\"retransmitted\":0,\"overlaps\":0,\"gaps\":0,\"gap_bytes\":0,"
        "\"reassembly_memcap_drops\":0},"
        "\"smb\":{\"sessions\":0,\"ntlmssp_sessions\":0,\"kerberos_sessions\":0,\"auth_unrecognised\":0,"
        "\"encrypted_flows\":0,\"encrypted_messages\":0,\"compressed_messages\":0,\"resyncs\":0,\"malformed\":0,"
        "\"orphan_responses\":0,\"state_limit_drops\":0,\"memcap_drops\":0,\"memcap_evictions\":0,"
        "\"servers_named\":0,\"server_renames\":0,\"server_name_evictions\":0,\"kdc_tickets\":0,"
        "\"kdc_ticket_evictions\":0,\"kdc_identities\":0,"
        "\"pdu_memcap_drops\":4,\"flows_by_dialect\":{\"unknown\":5,\"NT LM 0.12\":0,\"2.02\":0,\"2.10\":0,"
        "\"3.00\":0,\"3.02\":0,\"3.11\":6}},"
        "\"events\":{\"smb\":7,\"winlog_5145\":8,\"winlog_5140\":0,\"winlog_7045\":0,\"winlog_4697\":0,"
        "\"winlog_7040\":0,\"winlog_4698\":0,\"flow\":0,\"alerts\":0,"
        "\"alerts_over_match_limit\":9,\"rule_regex_limit\":0}}";
    assert_string_equal(jb_line(&j, NULL), want);

    /* A counter shown only when not zero. */
    c.records_truncated = 2;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    pw_counters_json(&j, &c);
    jb_close_object(&j);
    assert_non_null(strstr(jb_line(&j, NULL), "\"alerts_over_match_limit\":9,\"rule_regex_limit\":0,\"truncated_records\":2}}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
