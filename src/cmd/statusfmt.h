/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The three forms of "ndes-submit status" (fleetstate.h's data): a table
 * for people, JSON for scripts (keys documented in ndes-submit(8) and the
 * README; "version" changes when a key changes meaning), and the
 * Prometheus text exposition format for node_exporter's textfile
 * collector. Each returns the whole text on mem, NULL when out of memory.
 * Implemented in statusfmt.c. */
#ifndef NS_STATUSFMT_H
#define NS_STATUSFMT_H

#include <talloc.h>

#include "fleetstate.h"

#define NS_STATUS_JSON_VERSION 1

char *ns_status_table(TALLOC_CTX *mem, const struct ns_fleet *f);
char *ns_status_json(TALLOC_CTX *mem, const struct ns_fleet *f);
char *ns_status_prometheus(TALLOC_CTX *mem, const struct ns_fleet *f);

#endif
