/* svcctl decoders: CreateService* requests (W and A, both byte orders,
 * every cut of the stub) and their replies. */
#include "rpc_build.h"

#include "protocols/svcctl.h"

static void rb_string(rb *b, bool wide, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;
    rb_align(b, 4);
    rb_u32(b, n);
    rb_u32(b, 0);
    rb_u32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        if (wide)
            rb_u16(b, (uint16_t)(unsigned char)s[i]);
        else
            rb_u8(b, (uint8_t)s[i]);
    }
}

/* The request as impacket and PsExec write it. *binary_end: the stub length
 * just after lpBinaryPathName. */
static size_t create_stub(uint8_t *p, bool le, bool wide, const char *account, size_t *binary_end)
{
    rb b = {p, 0, le};
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)(0x10 + i)); /* hSCManager */
    rb_string(&b, wide, "PSEXESVC");
    rb_align(&b, 4);
    rb_u32(&b, 0x20000);
    rb_string(&b, wide, "PSEXESVC display");
    rb_align(&b, 4);
    rb_u32(&b, 0xF01FF);
    rb_u32(&b, 0x10);
    rb_u32(&b, 3);
    rb_u32(&b, 1);
    rb_string(&b, wide, "%SystemRoot%\\PSEXESVC.exe");
    *binary_end = b.n;
    rb_align(&b, 4);
    rb_u32(&b, 0);        /* lpLoadOrderGroup */
    rb_u32(&b, 0x20004);  /* lpdwTagId */
    rb_u32(&b, 0);
    rb_u32(&b, 0x20008);  /* lpDependencies */
    rb_u32(&b, 2);
    rb_u8(&b, 0);
    rb_u8(&b, 0);
    rb_align(&b, 4);
    rb_u32(&b, 2); /* dwDependSize */
    if (account) {
        rb_u32(&b, 0x2000c);
        rb_string(&b, wide, account);
        rb_align(&b, 4);
    } else {
        rb_u32(&b, 0);
    }
    rb_u32(&b, 0); /* lpPassword */
    rb_u32(&b, 0); /* dwPwSize */
    return b.n;
}

static void test_create_service_forms(void **state)
{
    static uint8_t stub[1024];
    static svcctl_create_service sc;
    const uint16_t opnums[4] = {SVCCTL_CREATE_SERVICE_W, SVCCTL_CREATE_SERVICE_A, SVCCTL_CREATE_SERVICE_WOW64_W,
                                SVCCTL_CREATE_SERVICE_WOW64_A};
    for (int i = 0; i < 4; i++) {
        bool wide = opnums[i] == 12 || opnums[i] == 45;
        for (int le = 0; le <= 1; le++) {
            size_t bin_end;
            size_t n = create_stub(stub, le != 0, wide, ".\\svcuser", &bin_end);
            assert_true(svcctl_decode_create_service(stub, n, le != 0, opnums[i], &sc));
            assert_int_equal(sc.opnum, opnums[i]);
            assert_string_equal(sc.service_name, "PSEXESVC");
            assert_true(sc.have_display_name);
            assert_string_equal(sc.display_name, "PSEXESVC display");
            assert_string_equal(sc.binary_path, "%SystemRoot%\\PSEXESVC.exe");
            assert_int_equal(sc.desired_access, 0xF01FF);
            assert_int_equal(sc.service_type, 0x10);
            assert_int_equal(sc.start_type, 3);
            assert_int_equal(sc.error_control, 1);
            assert_int_equal(sc.scm_handle[0], 0x10);
            assert_int_equal(sc.scm_handle[19], 0x23);
            assert_true(sc.account_present);
            assert_string_equal(sc.account, ".\\svcuser");
        }
    }
    size_t bin_end;
    size_t n = create_stub(stub, true, true, NULL, &bin_end);
    assert_true(svcctl_decode_create_service(stub, n, true, 12, &sc));
    assert_false(sc.account_present);
    assert_string_equal(sc.account, "");
    /* another opnum is not a CreateService */
    assert_false(svcctl_decode_create_service(stub, n, true, SVCCTL_CHANGE_SERVICE_CONFIG_W, &sc));
    /* the byte order matters: read the wrong way the counts are absurd */
    assert_false(svcctl_decode_create_service(stub, n, false, 12, &sc));
}

/* Every cut of the stub: false before the binary path is whole, true from
 * there on, and the account only once its pointer is there. */
static void test_create_service_cuts(void **state)
{
    static uint8_t stub[1024];
    static svcctl_create_service sc;
    size_t bin_end;
    size_t n = create_stub(stub, true, true, "LocalSystem", &bin_end);
    for (size_t cut = 0; cut <= n; cut++) {
        bool ok = svcctl_decode_create_service(stub, cut, true, 12, &sc);
        assert_int_equal(ok, cut >= bin_end);
        if (ok)
            assert_string_equal(sc.binary_path, "%SystemRoot%\\PSEXESVC.exe");
    }
    /* a string count past the stub */
    tu_le32(stub + 28, 0x7FFFFFFF); /* ActualCount of lpServiceName */
    assert_false(svcctl_decode_create_service(stub, n, true, 12, &sc));
}

static void test_reply_and_names(void **state)
{
    uint8_t buf[64];
    rb b = {buf, 0, true};
    rb_u32(&b, 0x20000);
    rb_u32(&b, 7);
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)(0x40 + i));
    rb_u32(&b, 1073); /* ERROR_SERVICE_EXISTS */
    svcctl_handle_reply r;
    assert_true(svcctl_decode_create_service_reply(buf, b.n, true, &r));
    assert_int_equal(r.tag_id, 7);
    assert_int_equal(r.handle[0], 0x40);
    assert_int_equal(r.return_code, 1073);
    assert_false(svcctl_decode_create_service_reply(buf, b.n - 1, true, &r));
    b.n = 0;
    rb_u32(&b, 0); /* no tag */
    for (int i = 0; i < 20; i++)
        rb_u8(&b, 1);
    rb_u32(&b, 0);
    assert_true(svcctl_decode_create_service_reply(buf, b.n, true, &r));
    assert_int_equal(r.return_code, 0);
    assert_int_equal(r.tag_id, 0);

    assert_string_equal(svcctl_opnum_name(45), "RCreateServiceWOW64W");
    assert_string_equal(svcctl_opnum_name(12), "RCreateServiceW");
    assert_string_equal(svcctl_opnum_name(11), "RChangeServiceConfigW");
    assert_null(svcctl_opnum_name(200));
    assert_true(svcctl_is_create_service(24));
    assert_false(svcctl_is_create_service(11));
}

/* MS-SCMR 3.1.4: every opnum 0..64 has its name, none twice, none past 64 */
static void test_opnum_table(void **state)
{
    (void)state;
    for (uint16_t i = 0; i <= 64; i++) {
        const char *n = svcctl_opnum_name(i);
        assert_non_null(n);
        for (uint16_t k = 0; k < i; k++)
            assert_string_not_equal(n, svcctl_opnum_name(k));
    }
    assert_null(svcctl_opnum_name(65));
    assert_string_equal(svcctl_opnum_name(0), "RCloseServiceHandle");
    assert_string_equal(svcctl_opnum_name(6), "RQueryServiceStatus");
    assert_string_equal(svcctl_opnum_name(10), "Opnum10NotUsedOnWire");
    assert_string_equal(svcctl_opnum_name(14), "REnumServicesStatusW");
    assert_string_equal(svcctl_opnum_name(17), "RQueryServiceConfigW");
    assert_string_equal(svcctl_opnum_name(19), "RStartServiceW");
    assert_string_equal(svcctl_opnum_name(29), "RQueryServiceConfigA");
    assert_string_equal(svcctl_opnum_name(37), "RChangeServiceConfig2W");
    assert_string_equal(svcctl_opnum_name(40), "RQueryServiceStatusEx");
    assert_string_equal(svcctl_opnum_name(42), "REnumServicesStatusExW");
    assert_string_equal(svcctl_opnum_name(44), "RCreateServiceWOW64A");
    assert_string_equal(svcctl_opnum_name(51), "RControlServiceExW");
    assert_string_equal(svcctl_opnum_name(56), "RQueryServiceConfigEx");
    assert_string_equal(svcctl_opnum_name(60), "RCreateWowService");
    assert_string_equal(svcctl_opnum_name(64), "ROpenSCManager2");
    /* the enum the decoders use names the same opnums */
    assert_string_equal(svcctl_opnum_name(SVCCTL_START_SERVICE_A), "RStartServiceA");
    assert_string_equal(svcctl_opnum_name(SVCCTL_OPEN_SC_MANAGER_A), "ROpenSCManagerA");
}

static void rb_handle(rb *b, uint8_t first)
{
    rb_align(b, 4);
    for (int i = 0; i < 20; i++)
        rb_u8(b, (uint8_t)(first + i));
}

/* OpenSCManager, OpenService, StartService, ControlService, DeleteService:
 * the fields each is known by, W and A, both byte orders. */
static void test_requests(void **state)
{
    static uint8_t stub[512];
    static svcctl_request rq;
    for (int le = 0; le <= 1; le++) {
        for (int wide = 0; wide <= 1; wide++) {
            rb b = {stub, 0, le != 0};
            rb_u32(&b, 0x20000);
            rb_string(&b, wide != 0, "DC01");
            rb_align(&b, 4);
            rb_u32(&b, 0x20004);
            rb_string(&b, wide != 0, "ServicesActive");
            rb_align(&b, 4);
            rb_u32(&b, 0xF003F);
            uint16_t op = wide ? SVCCTL_OPEN_SC_MANAGER_W : SVCCTL_OPEN_SC_MANAGER_A;
            assert_true(svcctl_decode_request(stub, b.n, le != 0, op, &rq));
            assert_string_equal(rq.machine, "DC01");
            assert_int_equal(rq.desired_access, 0xF003F);
            assert_false(rq.have_handle);
            assert_false(svcctl_decode_request(stub, b.n - 1, le != 0, op, &rq));

            b.n = 0;
            rb_handle(&b, 0x30);
            rb_string(&b, wide != 0, "XblAuthManager");
            rb_align(&b, 4);
            rb_u32(&b, 0xF01FF);
            op = wide ? SVCCTL_OPEN_SERVICE_W : SVCCTL_OPEN_SERVICE_A;
            assert_true(svcctl_decode_request(stub, b.n, le != 0, op, &rq));
            assert_true(rq.have_handle);
            assert_int_equal(rq.handle[0], 0x30);
            assert_int_equal(rq.handle[19], 0x43);
            assert_string_equal(rq.service_name, "XblAuthManager");
            assert_int_equal(rq.desired_access, 0xF01FF);
            assert_false(svcctl_decode_request(stub, 30, le != 0, op, &rq));
            assert_false(rq.have_handle);
        }
        rb b = {stub, 0, le != 0};
        rb_handle(&b, 0x50);
        rb_u32(&b, 0); /* argc */
        rb_u32(&b, 0); /* argv */
        assert_true(svcctl_decode_request(stub, b.n, le != 0, SVCCTL_START_SERVICE_W, &rq));
        assert_int_equal(rq.handle[0], 0x50);
        assert_int_equal(rq.argc, 0);
        b.n = 0;
        rb_handle(&b, 0x60);
        rb_u32(&b, 1); /* SERVICE_CONTROL_STOP */
        assert_true(svcctl_decode_request(stub, b.n, le != 0, SVCCTL_CONTROL_SERVICE, &rq));
        assert_int_equal(rq.control, 1);
        assert_int_equal(rq.handle[1], 0x61);
        assert_true(svcctl_decode_request(stub, 20, le != 0, SVCCTL_DELETE_SERVICE, &rq));
        assert_false(svcctl_decode_request(stub, 19, le != 0, SVCCTL_DELETE_SERVICE, &rq));
        assert_false(svcctl_decode_request(stub, b.n, le != 0, 64, &rq)); /* not followed */
    }
}

/* ChangeServiceConfig: the new binary path and start type; what is kept is
 * SERVICE_NO_CHANGE / a NULL pointer. */
static size_t change_stub(uint8_t *p, bool le, bool wide, const char *path, uint32_t start, const char *display)
{
    rb b = {p, 0, le};
    rb_handle(&b, 0x70);
    rb_u32(&b, SVCCTL_NO_CHANGE);
    rb_u32(&b, start);
    rb_u32(&b, SVCCTL_NO_CHANGE);
    if (path) {
        rb_u32(&b, 0x20000);
        rb_string(&b, wide, path);
        rb_align(&b, 4);
    } else {
        rb_u32(&b, 0);
    }
    rb_u32(&b, 0); /* lpLoadOrderGroup */
    rb_u32(&b, 0); /* lpdwTagId */
    rb_u32(&b, 0); /* lpDependencies */
    rb_u32(&b, 0); /* dwDependSize */
    rb_u32(&b, 0x20004);
    rb_string(&b, wide, "LocalSystem");
    rb_align(&b, 4);
    rb_u32(&b, 0); /* lpPassword */
    rb_u32(&b, 0); /* dwPwSize */
    if (display) {
        rb_u32(&b, 0x20008);
        rb_string(&b, wide, display);
    } else {
        rb_u32(&b, 0);
    }
    return b.n;
}

static void test_change_service_config(void **state)
{
    static uint8_t stub[1024];
    static svcctl_request rq;
    const char *cmd = "c:\\windows\\system32\\cmd.exe /c powershell -exec bypass "
                      "-nop -e Y2FsYy5leGU=";
    for (int le = 0; le <= 1; le++) {
        for (int wide = 0; wide <= 1; wide++) {
            uint16_t op = wide ? SVCCTL_CHANGE_SERVICE_CONFIG_W : SVCCTL_CHANGE_SERVICE_CONFIG_A;
            size_t n = change_stub(stub, le != 0, wide != 0, cmd, 3, "Xbox Live Auth Manager");
            assert_true(svcctl_decode_request(stub, n, le != 0, op, &rq));
            assert_true(rq.have_binary_path);
            assert_string_equal(rq.binary_path, cmd);
            assert_int_equal(rq.start_type, 3);
            assert_int_equal(rq.service_type, SVCCTL_NO_CHANGE);
            assert_true(rq.have_account);
            assert_string_equal(rq.account, "LocalSystem");
            assert_true(rq.have_display_name);
            assert_string_equal(rq.display_name, "Xbox Live Auth Manager");
            /* a stub cut after the path still tells the path, not the rest */
            size_t at_path = 20 + 12 + 4 + 12 + (strlen(cmd) + 1) * (wide ? 2 : 1);
            assert_true(svcctl_decode_request(stub, at_path, le != 0, op, &rq));
            assert_string_equal(rq.binary_path, cmd);
            assert_false(rq.have_account);
            assert_false(rq.have_display_name);
            assert_false(svcctl_decode_request(stub, at_path - 1, le != 0, op, &rq));
        }
    }
    size_t n = change_stub(stub, true, true, NULL, SVCCTL_NO_CHANGE, NULL);
    assert_true(svcctl_decode_request(stub, n, true, SVCCTL_CHANGE_SERVICE_CONFIG_W, &rq));
    assert_false(rq.have_binary_path);
    assert_string_equal(rq.binary_path, "");
    assert_int_equal(rq.start_type, SVCCTL_NO_CHANGE);
    assert_false(rq.have_display_name);
}

/* Replies: the handle of the Open* / Create* calls and every call's return
 * value. */
static void test_replies(void **state)
{
    uint8_t buf[64];
    svcctl_reply rp;
    for (int le = 0; le <= 1; le++) {
        rb b = {buf, 0, le != 0};
        rb_handle(&b, 0x80);
        rb_u32(&b, 0);
        assert_true(svcctl_decode_reply(buf, b.n, le != 0, SVCCTL_OPEN_SERVICE_W, &rp));
        assert_true(rp.have_handle);
        assert_int_equal(rp.handle[0], 0x80);
        assert_int_equal(rp.return_code, 0);
        b.n = 0;
        rb_handle(&b, 0);
        rb_u32(&b, 1060); /* ERROR_SERVICE_DOES_NOT_EXIST */
        assert_true(svcctl_decode_reply(buf, b.n, le != 0, SVCCTL_OPEN_SERVICE_A, &rp));
        assert_int_equal(rp.return_code, 1060);
        b.n = 0;
        rb_u32(&b, 0);
        rb_handle(&b, 0x90);
        rb_u32(&b, SVCCTL_ERROR_SERVICE_EXISTS);
        assert_true(svcctl_decode_reply(buf, b.n, le != 0, SVCCTL_CREATE_SERVICE_WOW64_W, &rp));
        assert_true(rp.have_handle);
        assert_int_equal(rp.handle[0], 0x90);
        assert_int_equal(rp.return_code, 1073);
        b.n = 0;
        rb_u32(&b, 5); /* ERROR_ACCESS_DENIED */
        assert_true(svcctl_decode_reply(buf, b.n, le != 0, SVCCTL_DELETE_SERVICE, &rp));
        assert_false(rp.have_handle);
        assert_int_equal(rp.return_code, SVCCTL_ERROR_ACCESS_DENIED);
        assert_false(svcctl_decode_reply(buf, 3, le != 0, SVCCTL_DELETE_SERVICE, &rp));
        assert_false(svcctl_decode_reply(buf, 4, le != 0, 64, &rp));
    }
    assert_true(svcctl_is_known(SVCCTL_START_SERVICE_A));
    assert_false(svcctl_is_known(64));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_service_forms),  cmocka_unit_test(test_create_service_cuts),
        cmocka_unit_test(test_reply_and_names),       cmocka_unit_test(test_requests),
        cmocka_unit_test(test_change_service_config), cmocka_unit_test(test_replies),
        cmocka_unit_test(test_opnum_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
