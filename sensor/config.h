/* The YAML configuration file (conf/pipewatch.yaml). Section and key names
 * follow Suricata's where they mean the same thing. Every key is optional;
 * an unknown key or a bad value is an error naming file, line and key. */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* Applies the file to o. Strings in o stay valid until config_release(). On
 * failure writes one line "FILE:LINE: key: what is wrong" into err. */
bool config_load(pw_options *o, const char *path, char *err, size_t errlen);
/* Same, from memory (tests, fuzzing); name stands for the file in errors. */
bool config_load_string(pw_options *o, const char *name, const char *text, size_t len, char *err, size_t errlen);
/* Frees the strings the loaded configurations own. */
void config_release(void);

#endif
