/* A generated Sigma rule set for scale tests and benchmarks: rule i of a set
 * is the same in every run. The mix is that of a public collection seen by a
 * sensor of Windows 5145/5140 events: most rules are for other logsources
 * (process creation, Linux) or other event ids, some are for 5145/5140 with
 * literal names (equal, startswith, endswith, contains), a few cannot be
 * narrowed by a name (2% a regex beside the event id, 0.5% keyword searches),
 * and one in a thousand is a real detection that fires on the bundled
 * samples (named pipes ending in -stdin/-stdout/-stderr on IPC$). */
#ifndef PW_RULEGEN_H
#define PW_RULEGEN_H

#include <stdio.h>

/* A name for rule i: four letters that vary with i, then i. */
static inline const char *rulegen_name(unsigned i, char *buf, size_t n)
{
    unsigned h = i * 2654435761u;
    snprintf(buf, n, "%c%c%c%c%u", 'a' + h % 26, 'a' + (h >> 8) % 26, 'a' + (h >> 16) % 26, 'a' + (h >> 24) % 26, i);
    return buf;
}

/* Writes rule i as one YAML document into buf; returns its length. */
static inline int rulegen_rule(unsigned i, char *buf, size_t n)
{
    char nm[32];
    rulegen_name(i, nm, sizeof(nm));
    static const unsigned other_ids[] = {4624, 4625, 4688, 4698, 4720, 7045, 1102, 4672};
    int k = snprintf(buf, n,
                     "title: Generated rule %u\nid: 00000000-0000-4000-8000-%012u\nstatus: test\nlevel: %s\n", i, i,
                     i % 3 == 0 ? "high" : i % 3 == 1 ? "medium" : "low");
    if (k < 0 || (size_t)k >= n)
        return -1;
    buf += k;
    n -= (size_t)k;
    int m;
    const char *win = "logsource:\n    product: windows\n    service: security\ndetection:\n";
    if (i % 1000 == 999) {
        m = snprintf(buf, n,
                     "%s    selection:\n        EventID: 5145\n        ShareName: \\\\*\\IPC$\n"
                     "        RelativeTargetName|endswith:\n            - '-stdin'\n            - '-stdout'\n"
                     "            - '-stderr'\n    condition: selection\n",
                     win);
    } else if (i % 200 == 199) {
        m = snprintf(buf, n, "%s    keywords:\n        - 'kw%s'\n    condition: keywords\n", win, nm);
    } else {
        switch (i % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
            m = snprintf(buf, n,
                         "logsource:\n    product: windows\n    category: process_creation\ndetection:\n"
                         "    selection:\n        Image|endswith: '\\tool%u.exe'\n        CommandLine|contains: "
                         "'arg%u'\n    condition: selection\n",
                         i, i);
            break;
        case 4:
            m = snprintf(buf, n, "%s    selection:\n        EventID: %u\n        TargetUserName: 'user%u'\n"
                                 "    condition: selection\n",
                         win, other_ids[(i / 10) % 8], i);
            break;
        case 5:
        case 6: {
            static const char *const mods[] = {"", "|startswith", "|endswith", "|contains"};
            m = snprintf(buf, n,
                         "%s    selection:\n        EventID: 5145\n        ShareName: \\\\*\\IPC$\n"
                         "        RelativeTargetName%s: '%s'\n    filter:\n        SubjectUserName: 'svc%u'\n"
                         "    condition: selection and not filter\n",
                         win, mods[(i / 10) % 4], nm, i);
            break;
        }
        case 7:
            m = snprintf(buf, n, "%s    selection:\n        EventID: 5140\n        ShareName|endswith: 'share%u$'\n"
                                 "    condition: selection\n",
                         win, i);
            break;
        case 8:
            m = snprintf(buf, n,
                         "logsource:\n    product: linux\n    service: auditd\ndetection:\n    selection:\n"
                         "        type: 'EXECVE'\n        a0|contains: 'bin%u'\n    condition: selection\n",
                         i);
            break;
        default:
            if ((i / 10) % 5 == 0) /* a regex beside the event id: only the id narrows it */
                m = snprintf(buf, n, "%s    selection:\n        EventID: 5145\n        RelativeTargetName|re: "
                                     "'^%s-[0-9]+$'\n    condition: selection\n",
                             win, nm);
            else
                m = snprintf(buf, n, "%s    selection:\n        EventID: 5145\n        AccessMask: '0x%x'\n"
                                     "        RelativeTargetName|contains:\n            - '%s-a'\n"
                                     "            - '%s-b'\n    condition: selection\n",
                             win, 0x100000u + i, nm, nm);
            break;
        }
    }
    if (m < 0 || (size_t)m >= n)
        return -1;
    return k + m;
}

#endif
