/* Task scheduler decoders (SchRpcRegisterTask, SchRpcRun, SchRpcDelete,
 * NetrJobAdd and their replies, both byte orders, cut stubs). The task is
 * the one of the atexec sample log (../shared/evtx/atsvc-task-4698-5145.evtx). */
#include "rpc_build.h"

#include "protocols/tsch.h"

static const char TASK_XML[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
                               "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
                               "  <Actions Context=\"LocalSystem\">\n"
                               "    <Exec>\n"
                               "      <Command>cmd.exe</Command>\n"
                               "      <Arguments>/C tasklist &gt; %windir%\\Temp\\CYAlyNSS.tmp 2&gt;&amp;1</Arguments>\n"
                               "    </Exec>\n"
                               "  </Actions>\n"
                               "</Task>";

/* SchRpcRegisterTask as atexec writes it. *xml_end: the stub length just after the XML. */
static size_t register_stub(uint8_t *p, bool le, const char *path, size_t *xml_end)
{
    rb b = {p, 0, le};
    if (path) {
        rb_u32(&b, 0x20000);
        rb_wstring(&b, path);
    } else {
        rb_u32(&b, 0);
    }
    rb_wstring(&b, TASK_XML);
    *xml_end = b.n;
    rb_align(&b, 4);
    rb_u32(&b, 6);    /* TASK_CREATE_OR_UPDATE */
    rb_u32(&b, 0);    /* sddl */
    rb_u32(&b, 3);    /* TASK_LOGON_S4U? any value: read back */
    rb_u32(&b, 0);    /* cCreds */
    rb_u32(&b, 0);    /* pCreds */
    return b.n;
}

static void test_register_task(void **state)
{
    static uint8_t stub[4096];
    static char xml[2048];
    tsch_request rq;
    for (int le = 0; le <= 1; le++) {
        size_t end;
        size_t n = register_stub(stub, le != 0, "\\CYAlyNSS", &end);
        assert_true(tsch_decode_request(stub, n, le != 0, TSCH_REGISTER_TASK, &rq, xml, sizeof xml));
        assert_true(rq.have_path);
        assert_string_equal(rq.path, "\\CYAlyNSS");
        assert_string_equal(xml, TASK_XML);
        assert_int_equal(rq.xml_len, strlen(TASK_XML) + 1);
        assert_int_equal(rq.flags, 6);
        assert_int_equal(rq.logon_type, 3);
        /* cut right after the XML: still the task */
        assert_true(tsch_decode_request(stub, end, le != 0, TSCH_REGISTER_TASK, &rq, xml, sizeof xml));
        assert_string_equal(xml, TASK_XML);
        assert_int_equal(rq.flags, 0);
        /* before it: no task */
        assert_false(tsch_decode_request(stub, end - 1, le != 0, TSCH_REGISTER_TASK, &rq, xml, sizeof xml));
        /* a small buffer: cut, NUL-terminated */
        char small[16];
        assert_true(tsch_decode_request(stub, n, le != 0, TSCH_REGISTER_TASK, &rq, small, sizeof small));
        assert_int_equal(strlen(small), 15);
        assert_memory_equal(small, TASK_XML, 15);
        /* no XML buffer at all */
        assert_true(tsch_decode_request(stub, n, le != 0, TSCH_REGISTER_TASK, &rq, NULL, 0));
        /* the path may be NULL: the server names the task */
        n = register_stub(stub, le != 0, NULL, &end);
        assert_true(tsch_decode_request(stub, n, le != 0, TSCH_REGISTER_TASK, &rq, xml, sizeof xml));
        assert_false(rq.have_path);
        assert_string_equal(rq.path, "");
        assert_string_equal(xml, TASK_XML);
    }
    assert_false(tsch_decode_request(stub, 100, true, 7, &rq, xml, sizeof xml));
}

static void test_run_delete_and_replies(void **state)
{
    uint8_t stub[256];
    tsch_request rq;
    for (int le = 0; le <= 1; le++) {
        rb b = {stub, 0, le != 0};
        rb_wstring(&b, "\\CYAlyNSS");
        size_t path_end = b.n;
        rb_align(&b, 4);
        rb_u32(&b, 0); /* Delete: flags */
        assert_true(tsch_decode_request(stub, b.n, le != 0, TSCH_DELETE, &rq, NULL, 0));
        assert_string_equal(rq.path, "\\CYAlyNSS");
        assert_true(tsch_decode_request(stub, path_end, le != 0, TSCH_RUN, &rq, NULL, 0));
        assert_string_equal(rq.path, "\\CYAlyNSS");
        assert_false(tsch_decode_request(stub, path_end - 1, le != 0, TSCH_RUN, &rq, NULL, 0));

        tsch_reply rp;
        b.n = 0;
        rb_u32(&b, 0x20000);
        rb_wstring(&b, "\\CYAlyNSS");
        rb_align(&b, 4);
        rb_u32(&b, 0); /* pErrorInfo */
        rb_u32(&b, 0); /* S_OK */
        assert_true(tsch_decode_reply(stub, b.n, le != 0, TSCH_REGISTER_TASK, &rp));
        assert_int_equal(rp.return_code, 0);
        assert_true(rp.have_actual_path);
        assert_string_equal(rp.actual_path, "\\CYAlyNSS");
        b.n = 0;
        rb_u32(&b, 0);
        rb_u32(&b, 0);
        rb_u32(&b, 0x80070005); /* E_ACCESSDENIED */
        assert_true(tsch_decode_reply(stub, b.n, le != 0, TSCH_REGISTER_TASK, &rp));
        assert_int_equal(rp.return_code, 0x80070005);
        assert_false(rp.have_actual_path);
        assert_true(tsch_decode_reply(stub, 4, le != 0, TSCH_DELETE, &rp));
        assert_false(tsch_decode_reply(stub, 3, le != 0, TSCH_DELETE, &rp));
        assert_false(tsch_decode_reply(stub, 12, le != 0, 5, &rp));
    }
    assert_string_equal(tsch_opnum_name(1), "SchRpcRegisterTask");
    assert_string_equal(tsch_opnum_name(12), "SchRpcRun");
    assert_string_equal(tsch_opnum_name(13), "SchRpcDelete");
    assert_string_equal(atsvc_opnum_name(0), "NetrJobAdd");
    assert_null(tsch_opnum_name(99));
}

/* MS-TSCH 3.2.5.4 and 3.2.5.2: every opnum of both interfaces named, none twice */
static void test_opnum_tables(void **state)
{
    (void)state;
    for (uint16_t i = 0; i <= 19; i++) {
        assert_non_null(tsch_opnum_name(i));
        for (uint16_t k = 0; k < i; k++)
            assert_string_not_equal(tsch_opnum_name(i), tsch_opnum_name(k));
    }
    assert_null(tsch_opnum_name(20));
    assert_string_equal(tsch_opnum_name(0), "SchRpcHighestVersion");
    assert_string_equal(tsch_opnum_name(2), "SchRpcRetrieveTask");
    assert_string_equal(tsch_opnum_name(7), "SchRpcEnumTasks");
    assert_string_equal(tsch_opnum_name(11), "SchRpcStop");
    assert_string_equal(tsch_opnum_name(14), "SchRpcRename");
    assert_string_equal(tsch_opnum_name(16), "SchRpcGetLastRunInfo");
    assert_string_equal(tsch_opnum_name(17), "SchRpcGetTaskInfo");
    assert_string_equal(tsch_opnum_name(19), "SchRpcEnableTask");
    assert_string_equal(atsvc_opnum_name(1), "NetrJobDel");
    assert_string_equal(atsvc_opnum_name(2), "NetrJobEnum");
    assert_string_equal(atsvc_opnum_name(3), "NetrJobGetInfo");
    assert_null(atsvc_opnum_name(4));
}

static size_t job_add_stub(uint8_t *p, bool le, const char *cmd)
{
    rb b = {p, 0, le};
    rb_u32(&b, 0x20000);
    rb_wstring(&b, "\\\\DC01");
    rb_align(&b, 4);
    rb_u32(&b, 3600000); /* JobTime: 01:00 */
    rb_u32(&b, 0);       /* DaysOfMonth */
    rb_u8(&b, 0);        /* DaysOfWeek */
    rb_u8(&b, 0x10);     /* JOB_NONINTERACTIVE */
    rb_align(&b, 4);
    rb_u32(&b, 0x20004); /* Command */
    rb_wstring(&b, cmd);
    return b.n;
}

static void test_job_add(void **state)
{
    uint8_t stub[512];
    atsvc_job_add j;
    const char *cmd = "cmd.exe /c whoami > c:\\windows\\temp\\o.txt";
    for (int le = 0; le <= 1; le++) {
        size_t n = job_add_stub(stub, le != 0, cmd);
        assert_true(atsvc_decode_job_add(stub, n, le != 0, &j));
        assert_string_equal(j.server, "\\\\DC01");
        assert_int_equal(j.job_time, 3600000);
        assert_int_equal(j.flags, 0x10);
        assert_string_equal(j.command, cmd);
        for (size_t cut = 0; cut < n; cut++)
            assert_false(atsvc_decode_job_add(stub, cut, le != 0, &j));
        atsvc_job_add_reply r;
        rb b = {stub, 0, le != 0};
        rb_u32(&b, 7);
        rb_u32(&b, 0);
        assert_true(atsvc_decode_job_add_reply(stub, b.n, le != 0, &r));
        assert_int_equal(r.job_id, 7);
        assert_int_equal(r.return_code, 0);
        assert_false(atsvc_decode_job_add_reply(stub, 7, le != 0, &r));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_task),
        cmocka_unit_test(test_run_delete_and_replies),
        cmocka_unit_test(test_job_add),
        cmocka_unit_test(test_opnum_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
