/* The layouts by name: a new one is its file and one row here. */
#include "layout.h"

#include <stdio.h>
#include <string.h>

static const layout_ops *const layouts[] = {
    &layout_eve, &layout_ecs, &layout_splunk, &layout_gelf, &layout_logpoint,
};

#define N_LAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

const layout_ops *layout_find(const char *name)
{
    for (size_t i = 0; i < N_LAYOUTS; i++)
        if (!strcmp(layouts[i]->name, name))
            return layouts[i];
    return NULL;
}

const char *layout_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t n = 0;
        for (size_t i = 0; i < N_LAYOUTS; i++)
            n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", layouts[i]->name);
    }
    return names;
}
