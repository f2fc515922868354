/* Windows events from SMB facts. The expected AccessList strings are copied
 * from real Security logs (evtxexport of the PsExec sample logs): Windows
 * puts "\n\t\t\t\t" after every right, the last one included. */
#include "testutil.h"

#include "detect/sigma.h"
#include "detect/winevent.h"
#include "detect/winevent_families.h"
#include "detect/winevent_fields.h"
#include "detect/winevent_share.h"

#define SEP "\n\t\t\t\t"

static void test_access_list_from_evtx(void **state)
{
    char buf[512];
    winevent_access_list(0x12019f, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4416" SEP "%%4417" SEP "%%4418" SEP "%%4419" SEP
                             "%%4420" SEP "%%4423" SEP "%%4424" SEP);
    winevent_access_list(0x120196, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4417" SEP "%%4418" SEP "%%4420" SEP "%%4423" SEP
                             "%%4424" SEP);
    winevent_access_list(0x120089, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4416" SEP "%%4419" SEP "%%4423" SEP);
    winevent_access_list(0x17019f, buf, sizeof buf);
    assert_string_equal(buf, "%%1537" SEP "%%1538" SEP "%%1539" SEP "%%1541" SEP "%%4416" SEP "%%4417" SEP
                             "%%4418" SEP "%%4419" SEP "%%4420" SEP "%%4423" SEP "%%4424" SEP);
    winevent_access_list(0x20080, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%4423" SEP);
    winevent_access_list(0x100088, buf, sizeof buf);
    assert_string_equal(buf, "%%1541" SEP "%%4419" SEP "%%4423" SEP);
    winevent_access_list(0x2, buf, sizeof buf);
    assert_string_equal(buf, "%%4417" SEP);
    winevent_access_list(0x1, buf, sizeof buf);
    assert_string_equal(buf, "%%4416" SEP);
}

static void test_access_list_other_masks(void **state)
{
    char buf[512];
    winevent_access_list(0x0, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* FILE_ALL_ACCESS: every standard right but ACCESS_SYS_SEC, all nine file rights. */
    winevent_access_list(0x1f01ff, buf, sizeof buf);
    assert_string_equal(buf, "%%1537" SEP "%%1538" SEP "%%1539" SEP "%%1540" SEP "%%1541" SEP "%%4416" SEP
                             "%%4417" SEP "%%4418" SEP "%%4419" SEP "%%4420" SEP "%%4421" SEP "%%4422" SEP
                             "%%4423" SEP "%%4424" SEP);
    /* GENERIC_READ maps to FILE_GENERIC_READ (0x120089). */
    winevent_access_list(0x80000000u, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4416" SEP "%%4419" SEP "%%4423" SEP);
    /* GENERIC_WRITE -> 0x120116, GENERIC_EXECUTE -> 0x1200a0. */
    winevent_access_list(0x40000000u, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4417" SEP "%%4418" SEP "%%4420" SEP "%%4424" SEP);
    winevent_access_list(0x20000000u, buf, sizeof buf);
    assert_string_equal(buf, "%%1538" SEP "%%1541" SEP "%%4421" SEP "%%4423" SEP);
    /* GENERIC_ALL is FILE_ALL_ACCESS. */
    char all[512];
    winevent_access_list(0x10000000u, buf, sizeof buf);
    winevent_access_list(0x1f01ff, all, sizeof all);
    assert_string_equal(buf, all);
    /* ACCESS_SYSTEM_SECURITY, MAXIMUM_ALLOWED, and an undefined file bit (9). */
    winevent_access_list(0x03000200u, buf, sizeof buf);
    assert_string_equal(buf, "%%1542" SEP "%%1543" SEP "%%1561" SEP);
}

static void test_access_list_truncates_on_code_boundary(void **state)
{
    char buf[20];
    memset(buf, 'X', sizeof buf);
    /* Room for one code and its separator (6 + 5 + NUL = 12), not two. */
    winevent_access_list(0x12019f, buf, 16);
    assert_string_equal(buf, "%%1538" SEP);
    assert_int_equal(buf[16], 'X');
    winevent_access_list(0x12019f, buf, 1);
    assert_string_equal(buf, "");
}

static void test_hex(void **state)
{
    char buf[16];
    wf_hex(0x12019f, buf, sizeof buf);
    assert_string_equal(buf, "0x12019f");
    wf_hex(0, buf, sizeof buf);
    assert_string_equal(buf, "0x0");
    wf_hex(0xFFFFFFFFu, buf, sizeof buf);
    assert_string_equal(buf, "0xffffffff");
    wf_hex(0x12019f, buf, 5);
    assert_string_equal(buf, "0x12");
}

static void test_share_name(void **state)
{
    char buf[64];
    winevent_share_name("\\\\DC01\\IPC$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\IPC$");
    winevent_share_name("\\\\10.0.0.1\\ADMIN$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\ADMIN$");
    /* Administrative shares are written in Windows' upper case. */
    winevent_share_name("\\\\[fe80::1]\\c$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\C$");
    winevent_share_name("\\\\srv\\ipc$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\IPC$");
    winevent_share_name("\\\\srv\\admin$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\ADMIN$");
    /* Other shares keep the client's spelling. */
    winevent_share_name("\\\\srv\\Documents", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\Documents");
    winevent_share_name("\\\\srv\\print$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\print$");
    /* No host part: the whole string is the share. */
    winevent_share_name("IPC$", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\IPC$");
    winevent_share_name("\\\\srv", buf, sizeof buf);
    assert_string_equal(buf, "\\\\*\\");
    winevent_share_name(NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* Bounded. */
    winevent_share_name("\\\\srv\\Documents", buf, 8);
    assert_string_equal(buf, "\\\\*\\Doc");
    winevent_share_name("\\\\srv\\Documents", buf, 3);
    assert_string_equal(buf, "");
}

static void test_relative_name(void **state)
{
    assert_string_equal(winevent_relative_name("\\PSEXESVC"), "PSEXESVC");
    assert_string_equal(winevent_relative_name("PSEXESVC-WEC01-956-stdin"), "PSEXESVC-WEC01-956-stdin");
    assert_string_equal(winevent_relative_name("\\dir\\file.txt"), "dir\\file.txt");
    assert_string_equal(winevent_relative_name(""), "\\");
    assert_string_equal(winevent_relative_name("\\"), "\\");
    assert_string_equal(winevent_relative_name(NULL), "\\");
}

static smb_fact create_fact(void)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_CREATE;
    f.h.smb_version = 2;
    f.h.command = 0x0005;
    f.h.dialect = 0x0210;
    f.h.have_request = true;
    f.h.have_response = true;
    f.h.status = 0;
    f.h.session_id = 0x1375fbd;
    f.h.tree_id = 5;
    f.u.file.tree.share = "\\\\srvdefender01\\IPC$";
    f.u.file.tree.share_type = SMB_SHARE_PIPE;
    f.u.file.filename = "PSEXESVC-WEC01-956-stdout";
    f.u.file.desired_access = 0x120089;
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "admmig";
    f.h.who.domain = "OFFSEC";
    return f;
}

static void assert_field(const win_event *e, size_t i, const char *name, const char *value)
{
    assert_true(i < e->nfields);
    assert_string_equal(e->fields[i].name, name);
    assert_non_null(e->fields[i].value);
    assert_string_equal(e->fields[i].value, value);
}

static void test_full_5145(void **state)
{
    smb_fact f = create_fact();
    win_peer peer = {"10.23.42.22", 56663, "10.23.42.10", NULL, NULL, NULL};
    static win_event e;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_int_equal(e.event_id, 5145);
    assert_true(e.audit_success);
    assert_int_equal(e.ndata, 13);
    assert_int_equal(e.nfields, 20);
    assert_field(&e, 0, "SubjectUserSid", "S-1-0-0");
    assert_field(&e, 1, "SubjectUserName", "admmig");
    assert_field(&e, 2, "SubjectDomainName", "OFFSEC");
    assert_field(&e, 3, "SubjectLogonId", "0x1375fbd");
    assert_field(&e, 4, "ObjectType", "File");
    assert_field(&e, 5, "IpAddress", "10.23.42.22");
    assert_field(&e, 6, "IpPort", "56663");
    assert_field(&e, 7, "ShareName", "\\\\*\\IPC$");
    assert_field(&e, 8, "ShareLocalPath", "");
    assert_field(&e, 9, "RelativeTargetName", "PSEXESVC-WEC01-956-stdout");
    assert_field(&e, 10, "AccessMask", "0x120089");
    assert_field(&e, 11, "AccessList", "%%1538" SEP "%%1541" SEP "%%4416" SEP "%%4419" SEP "%%4423" SEP);
    assert_field(&e, 12, "AccessReason", "-");
    assert_field(&e, 13, "EventID", "5145");
    assert_field(&e, 14, "Channel", "Security");
    assert_field(&e, 15, "Provider_Name", "Microsoft-Windows-Security-Auditing");
    assert_field(&e, 16, "Computer", "srvdefender01");
    assert_field(&e, 17, "Keywords", "Audit Success");
    assert_string_equal(e.computer_name, "srvdefender01");
    assert_field(&e, 19, "AccessMaskDescription",
                 "Create Child\nSELF\nList Object\nREAD_CONTROL\nSYNCHRONIZE");
    assert_string_equal(e.sigma.product, "windows");
    assert_string_equal(e.sigma.service, "security");
    assert_null(e.sigma.category);
    assert_ptr_equal(e.sigma.fields, e.fields);
    assert_int_equal(e.sigma.nfields, 20);
    assert_string_equal(winevent_get(&e, "RelativeTargetName"), "PSEXESVC-WEC01-956-stdout");
    assert_null(winevent_get(&e, "NoSuchField"));
    assert_true(e.used <= WINEVENT_STORAGE);
}

static void test_5145_admin_share_smb1_root(void **state)
{
    smb_fact f = create_fact();
    f.h.smb_version = 1;
    f.h.command = 0xa2;
    f.u.file.tree.share = "\\\\10.0.2.17\\admin$";
    f.u.file.filename = "\\";
    f.u.file.desired_access = 0x100080;
    f.h.session_id = 0x800;
    win_peer peer = {"fe80::31ea:6c3c:f40d:1973", 49160, "fe80::1", NULL, NULL, NULL};
    static win_event e;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\ADMIN$");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "\\??\\C:\\Windows");
    assert_string_equal(winevent_get(&e, "RelativeTargetName"), "\\");
    assert_string_equal(winevent_get(&e, "AccessMask"), "0x100080");
    assert_string_equal(winevent_get(&e, "AccessList"), "%%1541" SEP "%%4423" SEP);
    assert_string_equal(winevent_get(&e, "IpAddress"), "fe80::31ea:6c3c:f40d:1973");
    assert_string_equal(winevent_get(&e, "IpPort"), "49160");
    assert_string_equal(winevent_get(&e, "SubjectLogonId"), "0x800");
    /* an address is not the server's name: Windows never writes one */
    assert_string_equal(winevent_get(&e, "Computer"), "");

    f.u.file.tree.share = "\\\\[fe80::1]\\d$";
    f.u.file.filename = "\\Windows\\Temp\\x.exe";
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\D$");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "\\??\\D:\\");
    assert_string_equal(winevent_get(&e, "RelativeTargetName"), "Windows\\Temp\\x.exe");
    assert_string_equal(winevent_get(&e, "Computer"), "");
    assert_string_equal(e.computer_name, "");
}

/* Computer is the server's own name (from NTLMSSP, via peer->server_name)
 * whatever the client typed; without it, a host name typed in the path, never
 * an address. */
static void test_computer_name(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.u.file.tree.share = "\\\\172.16.66.36\\IPC$";
    win_peer peer = {"172.16.66.1", 50000, "172.16.66.36", "01566s-win16-ir.threebeesco.com", NULL, NULL};
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "Computer"), "01566s-win16-ir.threebeesco.com");
    f.u.file.tree.share = "\\\\alias\\IPC$";
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(e.computer_name, "01566s-win16-ir.threebeesco.com");
    peer.server_name = NULL;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(e.computer_name, "alias");
    static const char *const literals[] = {"\\\\172.16.66.36\\IPC$", "\\\\[fe80::1]\\IPC$", "\\\\fe80::1\\C$",
                                           "\\\\fe80--1.ipv6-literal.net\\C$"};
    for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
        f.u.file.tree.share = literals[i];
        assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
        assert_string_equal(e.computer_name, "");
    }
    f.u.file.tree.share = "\\\\1srv.corp\\IPC$"; /* digits first, still a name */
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(e.computer_name, "1srv.corp");
    /* 5140 too */
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.u.tree.share = "\\\\172.16.66.36\\IPC$";
    peer.server_name = "srv.corp.lan";
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_int_equal(e.event_id, 5140);
    assert_string_equal(winevent_get(&e, "Computer"), "srv.corp.lan");
}

/* An AUTHENTICATE without a domain: Windows logs the server's NetBIOS domain,
 * the CHALLENGE's TargetName (or the NTLMv2 echo's MsvAvNbDomainName). */
static void test_empty_domain_resolved(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.h.who.domain = NULL;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "");
    f.h.server.nb_domain = "ATLAS";
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "ATLAS");
    f.h.server.target_name = "3B";
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "3B");
    f.h.who.domain = "WORKGROUP"; /* the client's own domain wins */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "WORKGROUP");
    f.h.who.domain = NULL;
    f.h.who.auth = SMB_AUTH_ANONYMOUS;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "NT AUTHORITY");
    f.h.who.auth = SMB_AUTH_KERBEROS; /* the names are in the ticket */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "");
}

static void test_5145_generic_mask_is_mapped(void **state)
{
    smb_fact f = create_fact();
    f.u.file.desired_access = 0x80000000u;
    static win_event e;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMask"), "0x120089");
    assert_string_equal(winevent_get(&e, "IpAddress"), "");
    assert_string_equal(winevent_get(&e, "IpPort"), "");
}

static void test_5145_failure_and_unanswered(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.h.status = 0xC0000022u; /* STATUS_ACCESS_DENIED */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_false(e.audit_success);
    assert_string_equal(winevent_get(&e, "Keywords"), "Audit Failure");

    f.h.status = 0xC00000CAu; /* STATUS_NETWORK_ACCESS_DENIED */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "Keywords"), "Audit Failure");

    /* the share's check passed, the file system said no: Audit Success,
     * as Windows logged the atexec retry of the same run */
    static const uint32_t past_share[] = {0xC0000034u /* OBJECT_NAME_NOT_FOUND */,
                                          0xC0000043u /* SHARING_VIOLATION */,
                                          0xC0000035u /* OBJECT_NAME_COLLISION */, 0xC000003Au /* PATH_NOT_FOUND */};
    for (size_t i = 0; i < sizeof past_share / sizeof past_share[0]; i++) {
        f.h.status = past_share[i];
        assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
        assert_true(e.audit_success);
        assert_string_equal(winevent_get(&e, "Keywords"), "Audit Success");
    }

    f.h.status = 0x00000108u; /* informational: still a success */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "Keywords"), "Audit Success");

    f.h.have_response = false;
    f.h.status = 0;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_true(e.audit_success);
    assert_string_equal(winevent_get(&e, "Keywords"), "Audit Success");

    /* Response only (midstream): no name, no access, no event. */
    f.h.have_request = false;
    f.h.have_response = true;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 0);
}

static void test_identities(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.h.who.auth = SMB_AUTH_KERBEROS;
    f.h.who.user = NULL;
    f.h.who.domain = NULL;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectUserSid"), "S-1-0-0");
    assert_string_equal(winevent_get(&e, "SubjectUserName"), "");
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "");

    f.h.who.auth = SMB_AUTH_UNKNOWN;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectUserName"), "");
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "");

    f.h.who.auth = SMB_AUTH_ANONYMOUS;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "SubjectUserSid"), "S-1-5-7");
    assert_string_equal(winevent_get(&e, "SubjectUserName"), "ANONYMOUS LOGON");
    assert_string_equal(winevent_get(&e, "SubjectDomainName"), "NT AUTHORITY");

    f.u.file.tree.share = NULL;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "");
    assert_string_equal(winevent_get(&e, "Computer"), "");
}

static void test_5140(void **state)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.h.smb_version = 2;
    f.h.command = 0x0003;
    f.h.have_request = true;
    f.h.have_response = true;
    f.h.session_id = 0x1375fbd;
    f.u.tree.share = "\\\\srvdefender01.offsec.lan\\ADMIN$";
    f.u.tree.share_type = SMB_SHARE_DISK;
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "admmig";
    f.h.who.domain = "OFFSEC";
    win_peer peer = {"10.23.42.22", 56661, "10.23.42.10", NULL, NULL, NULL};
    static win_event e;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_int_equal(e.event_id, 5140);
    assert_int_equal(e.ndata, 11);
    assert_int_equal(e.nfields, 18);
    assert_field(&e, 0, "SubjectUserSid", "S-1-0-0");
    assert_field(&e, 1, "SubjectUserName", "admmig");
    assert_field(&e, 2, "SubjectDomainName", "OFFSEC");
    assert_field(&e, 3, "SubjectLogonId", "0x1375fbd");
    assert_field(&e, 4, "ObjectType", "File");
    assert_field(&e, 5, "IpAddress", "10.23.42.22");
    assert_field(&e, 6, "IpPort", "56661");
    assert_field(&e, 7, "ShareName", "\\\\*\\ADMIN$");
    assert_field(&e, 8, "ShareLocalPath", "\\??\\C:\\Windows");
    assert_field(&e, 9, "AccessMask", "0x1");
    assert_field(&e, 10, "AccessList", "%%4416" SEP);
    assert_field(&e, 11, "EventID", "5140");
    assert_field(&e, 12, "Channel", "Security");
    assert_field(&e, 13, "Provider_Name", "Microsoft-Windows-Security-Auditing");
    assert_field(&e, 14, "Computer", "srvdefender01.offsec.lan");
    assert_field(&e, 15, "Keywords", "Audit Success");
    assert_int_equal(e.sigma.nfields, 18);

    /* Failed, unanswered, or share unknown: no 5140. */
    f.h.status = 0xC00000CCu; /* STATUS_BAD_NETWORK_NAME */
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 0);
    f.h.status = 0;
    f.h.have_response = false;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 0);
    f.h.have_response = true;
    f.u.tree.share = NULL;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 0);
}

static void test_other_facts_give_nothing(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.h.kind = SMB_FACT_CLOSE;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 0);
    f.h.kind = SMB_FACT_SESSION_SETUP;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 0);
    f.h.kind = SMB_FACT_SERVICE;
    memset(&f.u.service, 0, sizeof f.u.service); /* CloseServiceHandle, unanswered */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 0);
    assert_int_equal(winevent_build(NULL, NULL, &e, 1), 0);
}

static void test_storage_bounded(void **state)
{
    static char longname[1001], longshare[1010], longuser[1001], longdomain[1001], longip[1001];
    memset(longname, 'n', 1000);
    memset(longuser, 'u', 1000);
    memset(longdomain, 'd', 1000);
    memset(longip, '1', 1000);
    memcpy(longshare, "\\\\", 2);
    memset(longshare + 2, 'h', 500);
    longshare[502] = '\\';
    memset(longshare + 503, 's', 500);
    smb_fact f = create_fact();
    f.u.file.filename = longname;
    f.u.file.tree.share = longshare;
    f.h.who.user = longuser;
    f.h.who.domain = longdomain;
    win_peer peer = {longip, 1, NULL, NULL, NULL, NULL};
    /* Guard bytes after the event catch any write past storage. */
    static struct {
        win_event e;
        char guard[64];
    } box;
    memset(box.guard, 0x5A, sizeof box.guard);
    assert_int_equal(winevent_build(&f, &peer, &box.e, 1), 1);
    for (size_t i = 0; i < sizeof box.guard; i++)
        assert_int_equal((unsigned char)box.guard[i], 0x5A);
    assert_true(box.e.used <= WINEVENT_STORAGE);
    /* Every field is present, NUL-terminated and ends where the later ones
     * still have their values. */
    assert_int_equal(box.e.nfields, 20);
    for (size_t i = 0; i < box.e.nfields; i++)
        assert_non_null(box.e.fields[i].value);
    assert_true(strlen(winevent_get(&box.e, "SubjectUserName")) > 0);
    assert_true(strlen(winevent_get(&box.e, "SubjectUserName")) < 1000);
    assert_true(strlen(winevent_get(&box.e, "RelativeTargetName")) > 1000 / 2);
    assert_string_equal(winevent_get(&box.e, "AccessList"),
                        "%%1538" SEP "%%1541" SEP "%%4416" SEP "%%4419" SEP "%%4423" SEP);
    assert_string_equal(winevent_get(&box.e, "AccessMask"), "0x120089");
    assert_string_equal(winevent_get(&box.e, "Keywords"), "Audit Success");
    assert_true(strlen(winevent_get(&box.e, "Computer")) > 0);
    assert_int_equal(strncmp(winevent_get(&box.e, "ShareName"), "\\\\*\\sss", 7), 0);
}

static void test_truncation_keeps_utf8_whole(void **state)
{
    /* 300 two-byte characters (U+00E9) exceed the user-name cap; the cut
     * must fall between characters. */
    static char user[601];
    for (int i = 0; i < 300; i++) {
        user[2 * i] = (char)0xC3;
        user[2 * i + 1] = (char)0xA9;
    }
    smb_fact f = create_fact();
    f.h.who.user = user;
    static win_event e;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    const char *u = winevent_get(&e, "SubjectUserName");
    size_t n = strlen(u);
    assert_true(n > 0 && n < 600);
    assert_int_equal(n % 2, 0);
    assert_int_equal((unsigned char)u[n - 1], 0xA9);
}

/* Channel, provider, logsource and field names come from the family data:
 * every event built carries its definition's fields in its order, then the
 * system fields with the family's values. */
static void test_families_as_data(void **state)
{
    size_t ndefs;
    const win_event_def *const *defs = winevent_defs(&ndefs);
    assert_int_equal(ndefs, 7);
    assert_ptr_equal(winevent_def(5145), &WIN_EVENT_5145);
    assert_ptr_equal(winevent_def(5140), &WIN_EVENT_5140);
    assert_null(winevent_def(4624));
    smb_fact facts[2];
    facts[0] = create_fact();
    memset(&facts[1], 0, sizeof facts[1]);
    facts[1].h.kind = SMB_FACT_TREE_CONNECT;
    facts[1].h.have_request = facts[1].h.have_response = true;
    facts[1].u.tree.share = "\\\\srv\\C$";
    static win_event ev[WINEVENT_MAX_PER_FACT];
    for (int k = 0; k < 2; k++) {
        size_t n = winevent_build(&facts[k], NULL, ev, WINEVENT_MAX_PER_FACT);
        assert_int_equal(n, 1);
        const win_event_def *d = ev[0].def;
        assert_ptr_equal(d, defs[k]);
        assert_int_equal(ev[0].event_id, d->event_id);
        assert_int_equal(ev[0].ndata, d->ndata);
        for (size_t i = 0; i < d->ndata; i++)
            assert_string_equal(ev[0].fields[i].name, d->data_fields[i]);
        assert_string_equal(winevent_get(&ev[0], "Channel"), d->family->channel);
        assert_string_equal(winevent_get(&ev[0], "Provider_Name"), d->family->provider);
        assert_string_equal(winevent_get(&ev[0], "EventID"), d->event_id_text);
        assert_string_equal(winevent_get(&ev[0], "Keywords"), d->family->keyword_success);
        assert_string_equal(ev[0].keywords, "Audit Success");
        assert_string_equal(ev[0].sigma.product, d->family->product);
        assert_string_equal(ev[0].sigma.service, "security");
        /* the system fields, and for the share events AccessListDescription
         * and AccessMaskDescription */
        assert_int_equal(ev[0].sigma.nfields,
                         d->ndata + 5 + (winevent_get(&ev[0], "AccessListDescription") != NULL) +
                             (winevent_get(&ev[0], "AccessMaskDescription") != NULL));
        /* no room: no event */
        assert_int_equal(winevent_build(&facts[k], NULL, ev, 0), 0);
    }
    /* kinds that stand for no event */
    facts[0].h.kind = SMB_FACT_CLOSE;
    assert_int_equal(winevent_build(&facts[0], NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    facts[0].h.kind = SMB_FACT_SERVICE;
    memset(&facts[0].u.service, 0, sizeof facts[0].u.service);
    assert_int_equal(winevent_build(&facts[0], NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    /* a failure takes the family's failure keyword */
    facts[0] = create_fact();
    facts[0].h.status = 0xC0000022;
    assert_int_equal(winevent_build(&facts[0], NULL, ev, 1), 1);
    assert_string_equal(ev[0].keywords, WIN_FAMILY_SECURITY.keyword_failure);
    assert_string_equal(winevent_get(&ev[0], "Keywords"), "Audit Failure");
}

/* SMB1 NT_CREATE_ANDX: Windows logs the mask with FILE_READ_ATTRIBUTES
 * added (the wire's 0x3 is the log's 0x83); SMB2 CREATE as asked. */
static void test_smb1_mask(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.u.file.desired_access = 0x3;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMask"), "0x3");
    f.h.smb_version = 1;
    f.h.command = 0xa2;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMask"), "0x83");
    assert_string_equal(winevent_get(&e, "AccessList"), "%%4416" SEP "%%4417" SEP "%%4423" SEP);
}

/* AccessListDescription: the rights by the names Windows' message table
 * gives them, after the system fields, outside EventData. */
static void test_access_description(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.u.file.desired_access = 0x12019f;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_int_equal(e.ndata, 13);
    assert_string_equal(e.fields[e.nfields - 2].name, "AccessListDescription");
    assert_string_equal(e.fields[e.nfields - 1].name, "AccessMaskDescription");
    assert_int_equal(e.sigma.nfields, e.nfields);
    assert_string_equal(winevent_get(&e, "AccessListDescription"),
                        "READ_CONTROL\nSYNCHRONIZE\nReadData (or ListDirectory)\nWriteData (or AddFile)\n"
                        "AppendData (or AddSubdirectory or CreatePipeInstance)\nReadEA\nWriteEA\nReadAttributes\n"
                        "WriteAttributes");
    f.u.file.desired_access = 0x00010200; /* DELETE and bit 9 */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessListDescription"), "DELETE\nUnknown specific access (bit 9)");
    char buf[32];
    /* unknown codes left out; a name that does not fit is not cut */
    winevent_access_names("%%4417" SEP "%%9999" SEP "%%4416", buf, sizeof buf);
    assert_string_equal(buf, "WriteData (or AddFile)");
    winevent_access_names("%%4417" SEP "%%9999" SEP "%%4423", buf, sizeof buf);
    assert_string_equal(buf, "WriteData (or AddFile)");
    char big[64];
    winevent_access_names("%%4417" SEP "%%4423" SEP, big, sizeof big);
    assert_string_equal(big, "WriteData (or AddFile)\nReadAttributes");
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.u.tree.share = "\\\\srv\\IPC$";
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessListDescription"), "ReadData (or ListDirectory)");
    assert_string_equal(winevent_get(&e, "AccessMaskDescription"), "Create Child");
}

/* Custom shares: the client's spelling, unless the server named the share
 * itself (srvsvc, win_peer.share_name): then the server's spelling, and its
 * local path where the reply gave one, in the NT form Windows logs. The
 * administrative shares keep their fixed names and paths. */
static void test_share_spelling(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.u.file.tree.share = "\\\\fs01\\FINANCE";
    f.u.file.filename = "q3.xlsx";
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\FINANCE");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "");
    win_peer peer = {"10.0.0.5", 50000, "10.0.0.9", NULL, "Finance", "D:\\Shares\\Finance"};
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\Finance");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "\\??\\D:\\Shares\\Finance");
    /* the name only (a level without paths): the path stays unknown */
    peer.share_path = NULL;
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\Finance");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "");
    /* another share than the one the server named: the client's spelling */
    peer.share_name = "Payroll";
    peer.share_path = "D:\\Payroll";
    assert_int_equal(winevent_build(&f, &peer, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\FINANCE");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "");
    /* ADMIN$ with the path the server gave (installed on E:) and 5140 alike */
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.u.tree.share = "\\\\fs01\\admin$";
    win_peer admin = {"10.0.0.5", 50000, "10.0.0.9", NULL, "ADMIN$", "E:\\Windows"};
    assert_int_equal(winevent_build(&f, &admin, &e, 1), 1);
    assert_int_equal(e.event_id, 5140);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\ADMIN$");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "\\??\\E:\\Windows");
    /* IPC$: the server's empty path is Windows' empty ShareLocalPath */
    f.u.tree.share = "\\\\fs01\\ipc$";
    win_peer ipc = {"10.0.0.5", 50000, "10.0.0.9", NULL, "IPC$", ""};
    assert_int_equal(winevent_build(&f, &ipc, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "ShareName"), "\\\\*\\IPC$");
    assert_string_equal(winevent_get(&e, "ShareLocalPath"), "");
    assert_string_equal(winevent_share_part("\\\\fs01\\Data"), "Data");
    assert_string_equal(winevent_share_part("Data"), "Data");
    assert_null(winevent_share_part(NULL));
}

/* AccessMaskDescription as Winlogbeat's security module writes it: its own
 * table (the directory-service rights), bit by bit from bit 0, names it
 * lacks left out; generic bits as the mask Windows logs (mapped). */
static void test_access_mask_description(void **state)
{
    smb_fact f = create_fact();
    static win_event e;
    f.u.file.desired_access = 0x12019f;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMaskDescription"),
                        "Create Child\nDelete Child\nList Contents\nSELF\nRead Property\nList Object\n"
                        "Control Access\nREAD_CONTROL\nSYNCHRONIZE");
    f.u.file.desired_access = 0x2;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMaskDescription"), "Delete Child");
    /* GENERIC_ALL is logged mapped, 0x1f01ff: every file bit and DELETE..SYNCHRONIZE */
    f.u.file.desired_access = 0x10000000;
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessMask"), "0x1f01ff");
    assert_string_equal(winevent_get(&e, "AccessMaskDescription"),
                        "Create Child\nDelete Child\nList Contents\nSELF\nRead Property\nWrite Property\n"
                        "Delete Treee\nList Object\nControl Access\nDELETE\nREAD_CONTROL\nWRITE_DAC\n"
                        "WRITE_OWNER\nSYNCHRONIZE");
    /* bits 9-15, 21-23, 25 have no name in Winlogbeat's table */
    char buf[128];
    winevent_access_mask_names(0x02e0fe00u, buf, sizeof buf);
    assert_string_equal(buf, "");
    winevent_access_mask_names(0xf1000000u, buf, sizeof buf);
    assert_string_equal(buf, "ADS_RIGHT_ACCESS_SYSTEM_SECURITY\nADS_RIGHT_GENERIC_ALL\nADS_RIGHT_GENERIC_EXECUTE\n"
                             "ADS_RIGHT_GENERIC_WRITE\nADS_RIGHT_GENERIC_READ");
    /* a name that does not fit is left out whole */
    char small[20];
    winevent_access_mask_names(0x3u, small, sizeof small);
    assert_string_equal(small, "Create Child");
}

/* A rule's AccessList value matches the rights by name as well as by code,
 * through the rule index and the plain scan alike. */
static void test_sigma_access_names(void **state)
{
    static const char rule[] = "title: C$ write\n"
                               "id: 11111111-2222-3333-4444-555555555555\n"
                               "logsource: {product: windows, service: security}\n"
                               "detection:\n"
                               "  sel:\n"
                               "    EventID: 5145\n"
                               "    AccessList|contains: 'WriteData'\n"
                               "  condition: sel\n";
    static const char rule_code[] = "title: code\n"
                                    "id: 11111111-2222-3333-4444-555555555556\n"
                                    "logsource: {product: windows, service: security}\n"
                                    "detection:\n"
                                    "  sel:\n"
                                    "    AccessList|contains: '%%4417'\n"
                                    "  condition: sel\n";
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "names.yml", rule, sizeof rule - 1, NULL, NULL), 0);
    assert_int_equal(sigma_load_string(rs, "code.yml", rule_code, sizeof rule_code - 1, NULL, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 2);
    smb_fact f = create_fact();
    static win_event e;
    const sigma_rule *m[4];
    f.u.file.desired_access = 0x2; /* WriteData */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_string_equal(winevent_get(&e, "AccessList"), "%%4417" SEP);
    assert_int_equal(sigma_match(rs, &e.sigma, m, 4), 2);
    assert_int_equal(sigma_match_linear(rs, &e.sigma, m, 4), 2);
    f.u.file.desired_access = 0x1; /* ReadData only */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_int_equal(sigma_match(rs, &e.sigma, m, 4), 0);
    assert_int_equal(sigma_match_linear(rs, &e.sigma, m, 4), 0);
    sigma_ruleset_free(rs);
}

/* A rule's AccessMask value written with names matches as an AccessList
 * value does (Windows' names of the bits), and by Winlogbeat's names in
 * AccessMaskDescription; the hex value still matches itself. */
static void test_sigma_access_mask_names(void **state)
{
    static const char rule[] = "title: mask by Windows' name\n"
                               "id: 11111111-2222-3333-4444-555555555557\n"
                               "logsource: {product: windows, service: security}\n"
                               "detection:\n"
                               "  sel:\n"
                               "    AccessMask|contains: 'WriteData'\n"
                               "  condition: sel\n";
    static const char rule_wlb[] = "title: mask by Winlogbeat's name\n"
                                   "id: 11111111-2222-3333-4444-555555555558\n"
                                   "logsource: {product: windows, service: security}\n"
                                   "detection:\n"
                                   "  sel:\n"
                                   "    AccessMask: 'READ_CONTROL'\n"
                                   "  condition: sel\n";
    static const char rule_hex[] = "title: mask by value\n"
                                   "id: 11111111-2222-3333-4444-555555555559\n"
                                   "logsource: {product: windows, service: security}\n"
                                   "detection:\n"
                                   "  sel:\n"
                                   "    AccessMask: '0x2'\n"
                                   "  condition: sel\n";
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "m1.yml", rule, sizeof rule - 1, NULL, NULL), 0);
    assert_int_equal(sigma_load_string(rs, "m2.yml", rule_wlb, sizeof rule_wlb - 1, NULL, NULL), 0);
    assert_int_equal(sigma_load_string(rs, "m3.yml", rule_hex, sizeof rule_hex - 1, NULL, NULL), 0);
    smb_fact f = create_fact();
    static win_event e;
    const sigma_rule *m[4];
    f.u.file.desired_access = 0x2; /* WriteData */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_int_equal(sigma_match(rs, &e.sigma, m, 4), 2);
    assert_string_equal(sigma_rule_title(m[0]), "mask by Windows' name");
    assert_string_equal(sigma_rule_title(m[1]), "mask by value");
    assert_int_equal(sigma_match_linear(rs, &e.sigma, m, 4), 2);
    f.u.file.desired_access = 0x20000; /* READ_CONTROL */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_int_equal(sigma_match(rs, &e.sigma, m, 4), 1);
    assert_string_equal(sigma_rule_title(m[0]), "mask by Winlogbeat's name");
    assert_int_equal(sigma_match_linear(rs, &e.sigma, m, 4), 1);
    f.u.file.desired_access = 0x1; /* ReadData: none */
    assert_int_equal(winevent_build(&f, NULL, &e, 1), 1);
    assert_int_equal(sigma_match(rs, &e.sigma, m, 4), 0);
    assert_int_equal(sigma_match_linear(rs, &e.sigma, m, 4), 0);
    sigma_ruleset_free(rs);
}

/* A CREATE that made a file: a second 5145, with 0x2 (WriteData) from a
 * Windows 10 / Server 2016 server or one whose version is unknown, with the
 * requested mask again from an NT 6.x one (Windows 7 / 2008 R2). */
static void test_second_5145_for_created_file(void **state)
{
    smb_fact f = create_fact();
    static win_event e[4];
    f.u.file.tree.share = "\\\\srv\\C$";
    f.u.file.filename = "__LegitFile";
    f.u.file.desired_access = 0x130197;
    f.u.file.create_action = 2; /* FILE_CREATED */
    assert_int_equal(winevent_build(&f, NULL, e, 4), 2);
    assert_string_equal(winevent_get(&e[0], "AccessMask"), "0x130197");
    assert_string_equal(winevent_get(&e[1], "AccessMask"), "0x2");
    assert_string_equal(winevent_get(&e[1], "AccessList"), "%%4417" SEP);
    assert_string_equal(winevent_get(&e[1], "RelativeTargetName"), "__LegitFile");
    f.h.server.os_major = 10;
    assert_int_equal(winevent_build(&f, NULL, e, 4), 2);
    assert_string_equal(winevent_get(&e[1], "AccessMask"), "0x2");
    f.h.server.os_major = 6;
    f.h.server.os_minor = 1;
    assert_int_equal(winevent_build(&f, NULL, e, 4), 2);
    assert_string_equal(winevent_get(&e[1], "AccessMask"), "0x130197");
    /* room for one: the first only */
    assert_int_equal(winevent_build(&f, NULL, e, 1), 1);
    /* opened, not created; or failed: one */
    f.u.file.create_action = 1;
    assert_int_equal(winevent_build(&f, NULL, e, 4), 1);
    f.u.file.create_action = 2;
    f.h.status = 0xC0000022u;
    assert_int_equal(winevent_build(&f, NULL, e, 4), 1);
    f.h.status = 0;
    f.h.have_response = false;
    assert_int_equal(winevent_build(&f, NULL, e, 4), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families_as_data),
        cmocka_unit_test(test_access_list_from_evtx),
        cmocka_unit_test(test_access_list_other_masks),
        cmocka_unit_test(test_access_list_truncates_on_code_boundary),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_share_name),
        cmocka_unit_test(test_relative_name),
        cmocka_unit_test(test_full_5145),
        cmocka_unit_test(test_5145_admin_share_smb1_root),
        cmocka_unit_test(test_share_spelling),
        cmocka_unit_test(test_5145_generic_mask_is_mapped),
        cmocka_unit_test(test_5145_failure_and_unanswered),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_5140),
        cmocka_unit_test(test_other_facts_give_nothing),
        cmocka_unit_test(test_storage_bounded),
        cmocka_unit_test(test_truncation_keeps_utf8_whole),
        cmocka_unit_test(test_computer_name),
        cmocka_unit_test(test_empty_domain_resolved),
        cmocka_unit_test(test_smb1_mask),
        cmocka_unit_test(test_access_description),
        cmocka_unit_test(test_access_mask_description),
        cmocka_unit_test(test_sigma_access_names),
        cmocka_unit_test(test_sigma_access_mask_names),
        cmocka_unit_test(test_second_5145_for_created_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
