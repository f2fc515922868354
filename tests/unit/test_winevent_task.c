/* 4698 from task scheduler facts: the fields of the atexec sample log
 * (../shared/evtx/atsvc-task-4698-5145.evtx), NetrJobAdd's form, what gives
 * none, and the bound on a long definition. */
#include "testutil.h"

#include "detect/winevent.h"

/* opnums of protocols/tsch.h (this floor reads facts only) */
#define TSCH_REGISTER_TASK 1
#define TSCH_RUN 12
#define ATSVC_JOB_ADD 0

static const char TASK_XML[] = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
                               "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
                               "  <Actions Context=\"LocalSystem\">\n"
                               "    <Exec>\n"
                               "      <Command>cmd.exe</Command>\n"
                               "      <Arguments>/C tasklist &gt; %windir%\\Temp\\CYAlyNSS.tmp 2&gt;&amp;1</Arguments>\n"
                               "    </Exec>\n"
                               "  </Actions>\n"
                               "</Task>";

static smb_fact task_fact(void)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_TASK;
    f.h.smb_version = 2;
    f.h.have_request = f.h.have_response = true;
    f.h.session_id = 0x17e2d2;
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "Administrator";
    f.h.who.domain = "EXAMPLE";
    f.u.task.pipe.tree.share = "\\\\WIN-77LTAPHIQ1R\\IPC$";
    f.u.task.pipe.filename = "atsvc";
    f.u.task.opnum = TSCH_REGISTER_TASK;
    f.u.task.operation = "SchRpcRegisterTask";
    f.u.task.have_return = true;
    f.u.task.name = "\\CYAlyNSS";
    f.u.task.xml = TASK_XML;
    return f;
}

static void test_4698(void **state)
{
    static win_event ev[WINEVENT_MAX_PER_FACT];
    smb_fact f = task_fact();
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    const win_event *e = &ev[0];
    assert_int_equal(e->event_id, 4698);
    assert_int_equal(e->ndata, 6);
    assert_string_equal(e->fields[0].name, "SubjectUserSid");
    assert_string_equal(winevent_get(e, "SubjectUserName"), "Administrator");
    assert_string_equal(winevent_get(e, "SubjectDomainName"), "EXAMPLE");
    assert_string_equal(winevent_get(e, "SubjectLogonId"), "0x17e2d2");
    assert_string_equal(winevent_get(e, "TaskName"), "\\CYAlyNSS");
    assert_string_equal(winevent_get(e, "TaskContent"), TASK_XML);
    assert_string_equal(winevent_get(e, "Channel"), "Security");
    assert_string_equal(winevent_get(e, "Keywords"), "Audit Success");
    assert_string_equal(winevent_get(e, "Computer"), "WIN-77LTAPHIQ1R");

    /* what a client sends after the root element (atexec.py: a newline and 8 spaces) is not part
     * of the definition Windows stores and writes */
    static char trailing[sizeof TASK_XML + 16];
    snprintf(trailing, sizeof trailing, "%s\r\n        \t", TASK_XML);
    f = task_fact();
    f.u.task.xml = trailing;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(winevent_get(&ev[0], "TaskContent"), TASK_XML);

    /* NetrJobAdd: the name the server gave, the command as content */
    f = task_fact();
    f.u.task.atsvc = true;
    f.u.task.opnum = ATSVC_JOB_ADD;
    f.u.task.name = "\\At7";
    f.u.task.xml = NULL;
    f.u.task.command = "cmd.exe /c whoami";
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    assert_string_equal(winevent_get(&ev[0], "TaskName"), "\\At7");
    assert_string_equal(winevent_get(&ev[0], "TaskContent"), "cmd.exe /c whoami");

    /* refused, unanswered, sealed, a Run or Delete: none */
    f = task_fact();
    f.u.task.return_code = 0x80070005;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = task_fact();
    f.h.have_response = false;
    f.u.task.have_return = false;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = task_fact();
    f.u.task.encrypted = true;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);
    f = task_fact();
    f.u.task.opnum = TSCH_RUN;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 0);

    /* a definition of 40 KB is kept to the storage's bound, cut on a character */
    static char big[40001];
    memset(big, 'x', sizeof big - 1);
    memcpy(big + 30000, "\xc3\xa9", 2);
    f = task_fact();
    f.u.task.xml = big;
    assert_int_equal(winevent_build(&f, NULL, ev, WINEVENT_MAX_PER_FACT), 1);
    const char *tc = winevent_get(&ev[0], "TaskContent");
    assert_true(strlen(tc) > 32000);
    assert_true(strlen(tc) < WINEVENT_STORAGE);
    assert_memory_equal(tc, big, strlen(tc));
    assert_string_equal(winevent_get(&ev[0], "Computer"), "WIN-77LTAPHIQ1R");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_4698),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
