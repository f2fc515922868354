/* `pipewatch report EVE.json -o report.html`: one self-contained HTML page
 * (no network, no external script or style) from an EVE file: a timeline per
 * target host of incidents and alerts, who executed what where, the share and
 * pipe tables of the end-of-run summary, the evidence of each incident one
 * click away. The C side only picks the incident, alert and stats records and
 * embeds them as data; a small script in the page lays them out. */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include <stddef.h>

/* Exit status: 0, 2 on bad usage, 3 when the input cannot be read, 1 when the
 * output cannot be written. Messages go to stderr, naming the file. */
int report_main(int argc, char **argv);

#endif
