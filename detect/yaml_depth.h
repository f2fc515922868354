/* A bound on YAML nesting, checked before libyaml sees a file: libyaml's
 * work grows with the square of the nesting (100,000 '{' took 15 s), so a
 * size cap alone does not bound it. One linear pass over the text counts
 * flow collections ('[' '{') and block levels (the indentation columns
 * open at once, plus "- " and "? " entries on one line); quoted scalars,
 * comments and block scalars are skipped. The count is an upper bound of
 * the real nesting within a factor of two (a block sequence may sit at its
 * parent key's column), so a file it passes cannot cost libyaml more than
 * that depth; real rule and configuration files stay under 16. */
#ifndef PW_YAML_DEPTH_H
#define PW_YAML_DEPTH_H

#include <stdbool.h>
#include <stddef.h>

#define YAML_MAX_DEPTH 64

/* True when text nests at most max levels; else false with *line set to the
 * 1-based line where the nesting passed max. */
bool yaml_depth_ok(const char *text, size_t len, unsigned max, unsigned *line);

#endif
